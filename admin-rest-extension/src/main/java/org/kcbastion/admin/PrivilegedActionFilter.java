package org.kcbastion.admin;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;
import org.kcbastion.core.ApiError;
import org.kcbastion.core.BastionKeys;
import org.kcbastion.core.Ids;
import org.kcbastion.core.Impersonations;
import org.kcbastion.core.PrivilegedActionGuard;
import org.kcbastion.core.RequestBodies;
import org.keycloak.common.Profile;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.util.JsonSerialization;
import org.keycloak.utils.KeycloakSessionUtil;

import java.io.IOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts {@link PrivilegedActionGuard} in front of Keycloak's own impersonation endpoint, so the admin console's
 * Impersonate button and direct REST calls pass the same checks, and no second endpoint exists to forget. What it
 * cannot judge (unknown realm or user, no valid token) it leaves to Keycloak, which answers as usual.
 */
@Provider
public final class PrivilegedActionFilter implements ContainerRequestFilter {

    static final Pattern IMPERSONATION = Pattern.compile("/?admin/realms/([^/]+)/users/([^/]+)/impersonation/?");
    /** A reason rides in a small JSON body at most; anything bigger is not read. */
    private static final int MAX_BODY_BYTES = 8192;

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        if (!"POST".equals(request.getMethod())) return;
        String path = request.getUriInfo().getPath();
        // Every token request is a POST too: leave before the pattern unless the path can be the one.
        if (!path.contains("/impersonation")) return;
        Matcher m = IMPERSONATION.matcher(path);
        if (!m.matches()) return;
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        if (session == null || !Profile.isFeatureEnabled(Profile.Feature.IMPERSONATION)) return;
        if (!Ids.plausible(m.group(1))) return;
        RealmModel realm = session.realms().getRealmByName(m.group(1));
        if (realm == null) return;
        Optional<AdminAuth> authenticated = AdminRequests.authenticate(session);
        if (authenticated.isEmpty()) return;
        AdminAuth admin = authenticated.get();
        if (!Ids.plausible(m.group(2))) {
            // Keycloak would pass it to the database, which fails on a NUL byte: answer as for any unknown user.
            request.abortWith(ApiError.response(jakarta.ws.rs.core.Response.Status.NOT_FOUND, "user_not_found", "No user with this id"));
            return;
        }
        UserModel target = session.users().getUserById(realm, m.group(2));
        if (target == null) return;

        String reason = request.getHeaderString(PrivilegedActionGuard.REASON_HEADER);
        if (reason == null) reason = reasonFromBody(request);
        String ip = session.getContext().getConnection() == null ? null : session.getContext().getConnection().getRemoteAddr();

        PrivilegedActionGuard.Decision decision = PrivilegedActionGuard.decide(session,
                new PrivilegedActionGuard.Request(PrivilegedActionGuard.Action.IMPERSONATE, realm, admin, target, reason, ip));
        if (!decision.allowed()) {
            Impersonations.denied(session, realm, target, admin.getRealm(), admin.getUser(), decision.error(), reason, ip);
            request.abortWith(decision.toResponse());
            return;
        }
        // Keycloak itself ends a same-realm admin's session when impersonating; only a cross-realm admin's session
        // lives on, and the impersonation is tied to it.
        boolean sameRealm = admin.getRealm().getId().equals(realm.getId());
        String adminSession = decision.adminSession() == null || sameRealm ? null
                : BastionKeys.digests(session).hmac(decision.adminSession().getId());
        UserModel adminUser = admin.getUser();
        session.setAttribute(Impersonations.GRANT_ATTRIBUTE, new Impersonations.Grant(decision.reason(), admin.getRealm().getId(),
                adminUser == null ? null : adminUser.getId(), adminUser == null ? null : adminUser.getUsername(), adminSession, ip));
    }

    /** {@code {"reason": "..."}} from a JSON body, which is put back for the endpoint; null when absent or unreadable. */
    private static String reasonFromBody(ContainerRequestContext request) throws IOException {
        if (request.getMediaType() == null || !request.getMediaType().isCompatible(MediaType.APPLICATION_JSON_TYPE)) return null;
        byte[] bytes = RequestBodies.peek(request, MAX_BODY_BYTES);
        if (bytes == null) return null;
        try {
            JsonNode reason = JsonSerialization.readValue(bytes, JsonNode.class).path("reason");
            return reason.isTextual() ? reason.asText() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
