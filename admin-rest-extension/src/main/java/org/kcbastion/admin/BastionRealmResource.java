package org.kcbastion.admin;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.kcbastion.core.StepUpPage;
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
import org.keycloak.theme.FreeMarkerException;
import org.keycloak.theme.Theme;
import org.keycloak.theme.freemarker.FreeMarkerProvider;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /realms/{realm}/bastion}: the step-up page, and a read-only console page with the posture report and the
 * effective policy. The console page signs in with the realm's SSO cookie (the admin console's session), so it needs
 * no client of its own; it changes nothing, so a cookie-authenticated GET is safe.
 */
final class BastionRealmResource implements RealmResourceProvider {

    /** The console page's template, in the themes module's theme-resources. */
    static final String TEMPLATE = "bastion-posture.ftl";

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
     * admin console who may view it. The page is the theme template {@value #TEMPLATE}.
     */
    @GET
    @Path("console")
    @Produces(MediaType.TEXT_HTML)
    public Response console(@QueryParam("realm") String realmName) {
        RealmModel adminRealm = session.getContext().getRealm();
        String consoleUrl = session.getContext().getUri().getBaseUriBuilder().path("admin/{realm}/console/")
                .build(adminRealm.getName()).toString();
        Map<String, Object> page = new HashMap<>();
        page.put("consoleUrl", consoleUrl);
        page.put("adminRealm", adminRealm.getName());
        AuthenticationManager.AuthResult auth = AuthenticationManager.authenticateIdentityCookie(session, adminRealm, true);
        if (auth == null) {
            page.put("page", "sign-in");
            return render(Response.Status.UNAUTHORIZED, "Sign in first", page);
        }
        RealmModel realm = realmName == null || realmName.isBlank() ? adminRealm : session.realms().getRealmByName(realmName);
        AdminAuth admin = new AdminAuth(adminRealm, auth.token(), auth.user(),
                adminRealm.getClientByClientId(Constants.ADMIN_CONSOLE_CLIENT_ID));
        if (realm == null || !AdminPermissions.evaluator(session, realm, admin).realm().canViewRealm()) {
            page.put("page", "forbidden");
            return render(Response.Status.FORBIDDEN, "Not permitted", page);
        }
        session.getContext().setRealm(realm);
        List<PostureReport.Check> checks = new PostureReport(session, realm).run();
        session.getContext().setRealm(adminRealm);

        long failing = checks.stream().filter(c -> c.status().equals("fail")).count();
        long warning = checks.stream().filter(c -> c.status().equals("warn")).count();
        page.put("page", "report");
        page.put("realm", realm.getName());
        page.put("failing", failing);
        page.put("warning", warning);
        page.put("passing", checks.size() - failing - warning);
        page.put("tabUrl", consoleUrl + "#/" + realm.getName() + "/realm-settings/" + PolicyTabFactory.PROVIDER_ID);
        page.put("checks", checks.stream().map(c -> Map.of("id", c.id(), "severity", c.severity(), "status", c.status(),
                "detail", c.detail(), "remediation", c.remediation() == null ? "" : c.remediation(),
                "color", switch (c.status()) {
                    case "fail" -> "pf-m-red";
                    case "warn" -> "pf-m-orange";
                    default -> "pf-m-green";
                })).toList());
        BastionPolicy policy = BastionPolicy.from(realm);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (PolicyKey key : PolicyKey.values()) {
            String stored = realm.getAttribute(key.attribute());
            var problem = policy.problems().stream().filter(p -> p.key() == key).findFirst();
            String value = problem.isPresent() ? problem.get().inForce() + " (in force)"
                    : stored == null || stored.isBlank() ? key.defaultValue() + " (default)" : stored;
            rows.add(Map.of("attribute", key.attribute(), "value", value, "invalid", problem.isPresent()));
        }
        page.put("policy", rows);
        return render(Response.Status.OK, "Security posture of realm " + realm.getName(), page);
    }

    private Response render(Response.Status status, String title, Map<String, Object> page) {
        page.put("title", title);
        page.put("cssUrl", session.getContext().getUri().getBaseUriBuilder()
                .path("resources/{version}/common/keycloak/vendor/patternfly-v5/patternfly.min.css")
                .build(Version.RESOURCES_VERSION).toString());
        String html;
        try {
            html = session.getProvider(FreeMarkerProvider.class).processTemplate(page, TEMPLATE,
                    session.theme().getTheme(Theme.Type.LOGIN));
        } catch (FreeMarkerException | IOException e) {
            throw new IllegalStateException("Bastion could not render " + TEMPLATE, e);
        }
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("utf-8")).entity(html)
                .header("Cache-Control", "no-store").header("X-Frame-Options", "DENY")
                .header("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
                .build();
    }

    @Override
    public void close() {
    }
}
