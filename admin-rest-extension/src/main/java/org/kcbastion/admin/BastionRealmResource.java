package org.kcbastion.admin;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.kcbastion.authenticators.StepUpPage;
import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.PolicyKey;
import org.keycloak.common.Version;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.managers.AuthenticationManager;
import org.keycloak.services.resource.RealmResourceProvider;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.services.resources.admin.fgap.AdminPermissions;

import java.util.List;

/**
 * {@code /realms/{realm}/bastion}: the step-up page, and a read-only console page with the posture report and the
 * effective policy. The console page signs in with the realm's SSO cookie (the admin console's session), so it needs
 * no client of its own; it changes nothing, so a cookie-authenticated GET is safe.
 */
final class BastionRealmResource implements RealmResourceProvider {

    private final KeycloakSession session;

    BastionRealmResource(KeycloakSession session) {
        this.session = session;
    }

    @Override
    public Object getResource() {
        return this;
    }

    @GET
    @Path("step-up")
    public Response stepUp(@QueryParam("redirect_uri") String redirectUri, @QueryParam("client_id") String clientId) {
        return new StepUpPage(session).stepUp(redirectUri, clientId);
    }

    /**
     * The posture report and policy of {@code realm} (default: this realm) for an admin signed in to this realm's
     * admin console who may view it.
     */
    @GET
    @Path("console")
    @Produces(MediaType.TEXT_HTML)
    public Response console(@QueryParam("realm") String realmName) {
        RealmModel adminRealm = session.getContext().getRealm();
        String consoleUrl = session.getContext().getUri().getBaseUriBuilder().path("admin/{realm}/console/").build(adminRealm.getName()).toString();
        AuthenticationManager.AuthResult auth = AuthenticationManager.authenticateIdentityCookie(session, adminRealm, true);
        if (auth == null) {
            return page(Response.Status.UNAUTHORIZED, "Sign in first", "<p>Sign in to the <a href=\"" + esc(consoleUrl)
                    + "\">admin console of " + esc(adminRealm.getName()) + "</a>, then open this page again.</p>");
        }
        RealmModel realm = realmName == null || realmName.isBlank() ? adminRealm : session.realms().getRealmByName(realmName);
        AdminAuth admin = new AdminAuth(adminRealm, auth.token(), auth.user(), adminRealm.getClientByClientId(Constants.ADMIN_CONSOLE_CLIENT_ID));
        if (realm == null || !AdminPermissions.evaluator(session, realm, admin).realm().canViewRealm()) {
            return page(Response.Status.FORBIDDEN, "Not permitted", "<p>You may not view this realm's settings.</p>");
        }
        session.getContext().setRealm(realm);
        List<PostureReport.Check> checks = new PostureReport(session, realm).run();
        session.getContext().setRealm(adminRealm);

        StringBuilder body = new StringBuilder();
        long failing = checks.stream().filter(c -> c.status().equals("fail")).count();
        long warning = checks.stream().filter(c -> c.status().equals("warn")).count();
        body.append("<p class=\"pf-v5-c-content\">").append(failing).append(" failing, ").append(warning).append(" to review, ")
                .append(checks.size() - failing - warning).append(" passing. Policy changes: the <a href=\"")
                .append(esc(consoleUrl + "#/" + realm.getName() + "/realm-settings/" + PolicyTabFactory.PROVIDER_ID))
                .append("\">bastion-policy tab</a> or <code>PUT /admin/realms/").append(esc(realm.getName()))
                .append("/bastion/policy</code>.</p>");
        body.append("<table class=\"pf-v5-c-table pf-m-compact pf-m-grid-md\" id=\"bastion-posture\"><thead class=\"pf-v5-c-table__thead\"><tr class=\"pf-v5-c-table__tr\">")
                .append(th("Check")).append(th("Severity")).append(th("Status")).append(th("Detail")).append(th("Remediation"))
                .append("</tr></thead><tbody class=\"pf-v5-c-table__tbody\">");
        for (PostureReport.Check c : checks) {
            String color = switch (c.status()) {
                case "fail" -> "pf-m-red";
                case "warn" -> "pf-m-orange";
                default -> "pf-m-green";
            };
            body.append("<tr class=\"pf-v5-c-table__tr\" data-check=\"").append(esc(c.id())).append("\">")
                    .append(TD).append("<code>").append(esc(c.id())).append("</code></td>").append(TD)
                    .append(esc(c.severity())).append("</td>").append(TD).append("<span class=\"pf-v5-c-label ").append(color)
                    .append("\"><span class=\"pf-v5-c-label__content\">").append(esc(c.status())).append("</span></span></td>").append(TD)
                    .append(esc(c.detail())).append("</td>").append(TD).append(esc(c.remediation() == null ? "" : c.remediation()))
                    .append("</td></tr>");
        }
        body.append("</tbody></table><h2 class=\"pf-v5-c-title pf-m-lg\" style=\"margin-top:2rem\">Effective policy</h2>")
                .append("<table class=\"pf-v5-c-table pf-m-compact\" id=\"bastion-policy\"><thead class=\"pf-v5-c-table__thead\"><tr class=\"pf-v5-c-table__tr\">")
                .append(th("Attribute")).append(th("Value")).append("</tr></thead><tbody class=\"pf-v5-c-table__tbody\">");
        BastionPolicy policy = BastionPolicy.from(realm);
        for (PolicyKey key : PolicyKey.values()) {
            String stored = realm.getAttribute(key.attribute());
            var problem = policy.problems().stream().filter(p -> p.key() == key).findFirst();
            boolean invalid = problem.isPresent();
            String value = invalid ? problem.get().inForce() + " (in force)" : stored == null || stored.isBlank() ? key.defaultValue() + " (default)" : stored;
            body.append("<tr class=\"pf-v5-c-table__tr\">").append(TD).append("<code>").append(esc(key.attribute())).append("</code></td>").append(TD).append(esc(value))
                    .append(invalid ? " <span class=\"pf-v5-c-label pf-m-red\"><span class=\"pf-v5-c-label__content\">invalid value: the strict side applies</span></span>" : "")
                    .append("</td></tr>");
        }
        body.append("</tbody></table>");
        return page(Response.Status.OK, "Security posture of realm " + realm.getName(), body.toString());
    }

    private Response page(Response.Status status, String title, String body) {
        String css = session.getContext().getUri().getBaseUriBuilder()
                .path("resources/{version}/common/keycloak/vendor/patternfly-v5/patternfly.min.css")
                .build(Version.RESOURCES_VERSION).toString();
        String html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) + " · Keycloak Bastion</title>"
                + "<link rel=\"stylesheet\" href=\"" + esc(css) + "\"></head><body>"
                + "<div class=\"pf-v5-c-page\"><header class=\"pf-v5-c-masthead\" style=\"--pf-v5-c-masthead--BackgroundColor:#151515\">"
                + "<div class=\"pf-v5-c-masthead__main\"><span class=\"pf-v5-c-masthead__brand\" style=\"color:#fff;font-size:1.25rem\">"
                + "Keycloak Bastion</span></div></header><main class=\"pf-v5-c-page__main\"><section class=\"pf-v5-c-page__main-section pf-m-light\">"
                + "<h1 class=\"pf-v5-c-title pf-m-2xl\">" + esc(title) + "</h1></section>"
                + "<section class=\"pf-v5-c-page__main-section pf-m-light\">" + body + "</section></main></div></body></html>";
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("utf-8")).entity(html)
                .header("Cache-Control", "no-store").header("X-Frame-Options", "DENY")
                .header("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
                .build();
    }

    private static final String TD = "<td class=\"pf-v5-c-table__td\">";

    private static String th(String label) {
        return "<th class=\"pf-v5-c-table__th\" scope=\"col\">" + label + "</th>";
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
    }
}
