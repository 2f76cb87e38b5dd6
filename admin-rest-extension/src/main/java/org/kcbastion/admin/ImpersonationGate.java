package org.kcbastion.admin;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import org.kcbastion.core.AdminPaths;
import org.kcbastion.core.ApiError;
import org.kcbastion.core.Ids;
import org.kcbastion.core.ImpersonationFlow;
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
import java.util.List;
import java.util.Optional;

/**
 * Step 1 of {@link ImpersonationFlow}: puts the guard in front of Keycloak's own impersonation endpoint, so the admin console's
 * Impersonate button and direct REST calls pass the same checks, and no second endpoint exists to forget. Like the
 * sudo-mode catalogue ({@link AdminCatalogue}: {@code UserResource#impersonate}, self-guarded) it keys on the resource
 * method Keycloak routed the request to, so every spelling of the path is judged alike. What it cannot judge (unknown
 * realm or user, no valid token) it leaves to Keycloak, which answers as usual. {@link PrivilegedRequestFilter} calls
 * it for requests routed to that method: one filter, so a token request leaves Bastion after one path test.
 */
final class ImpersonationGate {

    /** A reason rides in a small JSON body at most; anything bigger is not read. */
    private static final int MAX_BODY_BYTES = 8192;

    private ImpersonationGate() {
    }

    /** For a request Keycloak routed to {@code UserResource#impersonate}. */
    static void judge(ContainerRequestContext request) throws IOException {
        // admin/realms/{realm}/users/{id}/impersonation
        List<String> segments = AdminPaths.segments(request);
        if (segments.size() < 5) return;
        String realmName = segments.get(2);
        String userId = segments.get(4);
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        if (session == null || !Profile.isFeatureEnabled(Profile.Feature.IMPERSONATION)) return;
        if (!Ids.plausible(realmName)) return;
        RealmModel realm = session.realms().getRealmByName(realmName);
        if (realm == null) return;
        Optional<AdminAuth> authenticated = AdminRequests.authenticate(session);
        if (authenticated.isEmpty()) return;
        AdminAuth admin = authenticated.get();
        if (!Ids.plausible(userId)) {
            // Keycloak would pass it to the database, which fails on a NUL byte: answer as for any unknown user.
            request.abortWith(ApiError.response(jakarta.ws.rs.core.Response.Status.NOT_FOUND, "user_not_found", "No user with this id"));
            return;
        }
        UserModel target = session.users().getUserById(realm, userId);
        if (target == null) return;

        String reason = request.getHeaderString(PrivilegedActionGuard.REASON_HEADER);
        if (reason == null) reason = reasonFromBody(request);
        String ip = session.getContext().getConnection() == null ? null : session.getContext().getConnection().getRemoteAddr();

        PrivilegedActionGuard.Decision decision = ImpersonationFlow.of(session).authorize(realm, admin, target, reason, ip);
        if (!decision.allowed()) request.abortWith(decision.toResponse());
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
