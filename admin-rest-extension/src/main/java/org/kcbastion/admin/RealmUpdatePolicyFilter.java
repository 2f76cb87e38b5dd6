package org.kcbastion.admin;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import org.kcbastion.core.ApiError;
import org.kcbastion.core.Ids;
import org.kcbastion.core.PolicyKey;
import org.kcbastion.core.PrivilegedActionGuard;
import org.kcbastion.core.RequestBodies;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.util.JsonSerialization;
import org.keycloak.utils.KeycloakSessionUtil;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keycloak's own realm update ({@code PUT /admin/realms/{realm}}) writes realm attributes, and so Bastion's policy.
 * A request that would change a policy attribute passes the same guard as {@code PUT .../bastion/policy}
 * (manage-realm plus a fresh step-up), so a stolen admin session cannot loosen the policy by the side door. Updates
 * that leave the policy as it is (the admin console sends every attribute back unchanged) pass untouched.
 */
@Provider
public final class RealmUpdatePolicyFilter implements ContainerRequestFilter {

    static final Pattern REALM = Pattern.compile("/?admin/realms/([^/]+)/?");
    /** A realm representation is rarely over a few hundred KiB; one this large is refused rather than let through unread. */
    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        if (!"PUT".equals(request.getMethod())) return;
        Matcher m = REALM.matcher(request.getUriInfo().getPath());
        if (!m.matches() || !Ids.plausible(m.group(1))) return;
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        if (session == null) return;
        RealmModel realm = session.realms().getRealmByName(m.group(1));
        if (realm == null) return;
        Optional<AdminAuth> authenticated = AdminRequests.authenticate(session);
        if (authenticated.isEmpty()) return;
        AdminAuth admin = authenticated.get();
        if (!request.hasEntity()) return;
        byte[] body = RequestBodies.peek(request, MAX_BODY_BYTES);
        if (body == null) {
            request.abortWith(ApiError.response(Response.Status.REQUEST_ENTITY_TOO_LARGE, "request_too_large",
                    "A realm representation of more than " + MAX_BODY_BYTES / (1024 * 1024) + " MiB is not accepted."));
            return;
        }
        JsonNode json;
        try {
            json = JsonSerialization.readValue(body, JsonNode.class);
        } catch (IOException | RuntimeException e) {
            // Keycloak reads the body with the same parser and refuses it as well; say so before it could differ.
            request.abortWith(ApiError.response(Response.Status.BAD_REQUEST, "invalid_request", "The body is not a JSON realm representation."));
            return;
        }
        List<String> changed = changedPolicyAttributes(realm.getAttributes(), json == null ? null : json.get("attributes"));
        if (changed.isEmpty()) return;

        String ip = session.getContext().getConnection() == null ? null : session.getContext().getConnection().getRemoteAddr();
        PrivilegedActionGuard.Decision decision = PrivilegedActionGuard.decide(session,
                new PrivilegedActionGuard.Request(PrivilegedActionGuard.Action.UPDATE_POLICY, realm, admin, null, null, ip));
        if (!decision.allowed()) request.abortWith(decision.toResponse());
    }

    /**
     * Policy attributes the update would change. Keycloak sets every attribute sent and, when {@code attributes} is
     * present at all, removes the ones left out ({@code DefaultExportImportManager.updateRealm}); without
     * {@code attributes} it touches none.
     */
    static List<String> changedPolicyAttributes(Map<String, String> current, JsonNode requested) {
        List<String> changed = new ArrayList<>();
        if (requested == null || requested.isNull()) return changed;
        for (PolicyKey key : PolicyKey.values()) {
            String now = current.get(key.attribute());
            JsonNode sent = requested.get(key.attribute());
            String after = sent == null || sent.isNull() ? null : sent.isValueNode() ? sent.asText() : sent.toString();
            if (!Objects.equals(now, after)) changed.add(key.attribute());
        }
        return changed;
    }
}
