package org.kcbastion.admin;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import org.kcbastion.core.ApiError;
import org.kcbastion.core.Ids;
import org.kcbastion.core.PrivilegedActionGuard;
import org.kcbastion.core.RequestBodies;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;
import org.keycloak.util.JsonSerialization;
import org.keycloak.utils.KeycloakSessionUtil;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Applies {@link AdminCatalogue} to every admin request: it sees the resource method Keycloak routed the request to
 * (not the path), so every spelling that reaches an endpoint is judged alike. A request whose body makes it
 * privileged passes {@link PrivilegedActionGuard} (Keycloak's permission, then a fresh step-up); a request carrying
 * an invalid policy value is refused with 400 {@code invalid_policy}. Either way nothing is changed. Requests the
 * catalogue does not name leave after one map lookup.
 */
@Provider
public final class PrivilegedRequestFilter implements ContainerRequestFilter {

    /** A realm representation is rarely over a few hundred KiB; one this large is refused rather than let through unread. */
    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    @Context
    ResourceInfo resourceInfo;

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        String method = request.getMethod();
        if ("GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method)) return;
        Method routed = resourceInfo == null ? null : resourceInfo.getResourceMethod();
        if (routed == null) return;
        Optional<AdminCatalogue.Entry> entry = AdminCatalogue.find(resourceInfo.getResourceClass(), routed.getName());
        if (entry.isEmpty()) return;
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        if (session == null) return;
        List<String> segments = segments(request);
        // admin/realms[/{realm}/...]
        if (segments.size() < 2 || !"admin".equals(segments.get(0)) || !"realms".equals(segments.get(1))) return;
        Optional<AdminAuth> authenticated = AdminRequests.authenticate(session);
        // No valid token: Keycloak answers 401 itself and nothing runs.
        if (authenticated.isEmpty()) return;
        AdminAuth admin = authenticated.get();
        RealmModel realm;
        if (segments.size() == 2) {
            realm = admin.getRealm();
        } else {
            if (!Ids.plausible(segments.get(2))) return;
            realm = session.realms().getRealmByName(segments.get(2));
            if (realm == null) return;
        }
        if (!request.hasEntity()) return;
        byte[] bytes = RequestBodies.peek(request, MAX_BODY_BYTES);
        if (bytes == null) {
            request.abortWith(ApiError.response(Response.Status.REQUEST_ENTITY_TOO_LARGE, "request_too_large",
                    "A body of more than " + MAX_BODY_BYTES / (1024 * 1024) + " MiB is not accepted by this endpoint."));
            return;
        }
        JsonNode body;
        try {
            body = JsonSerialization.readValue(bytes, JsonNode.class);
        } catch (IOException | RuntimeException e) {
            // Keycloak reads the body with the same parser and refuses it too; say so before the two could differ.
            request.abortWith(ApiError.response(Response.Status.BAD_REQUEST, "invalid_request", "The body is not valid JSON."));
            return;
        }
        if (body == null || !body.isObject()) return;

        PolicyWrites.Assessment assessment = assess(entry.get().rule(), realm, segments, body);
        if (assessment.invalid().isPresent()) {
            String description = assessment.invalid().get().getMessage();
            request.abortWith(ApiError.builder(400, "invalid_policy", description, Map.of("errorMessage", description)).build());
            return;
        }
        if (!assessment.needsGuard()) return;

        String ip = session.getContext().getConnection() == null ? null : session.getContext().getConnection().getRemoteAddr();
        PrivilegedActionGuard.Decision decision = PrivilegedActionGuard.decide(session, PrivilegedActionGuard.Request.write(
                entry.get().action(), permission(entry.get().rule()), realm, admin, ip));
        if (!decision.allowed()) {
            request.abortWith(withConsoleMessage(decision));
        }
    }

    private static PolicyWrites.Assessment assess(AdminCatalogue.Rule rule, RealmModel realm, List<String> segments, JsonNode body) {
        return switch (rule) {
            case REALM_POLICY -> realmPolicy(realm, PolicyWrites.changedRealmAttributes(realm.getAttributes(), body.get("attributes")));
            case NEW_REALM_POLICY -> realmPolicy(null, PolicyWrites.newRealmAttributes(body.get("attributes")));
            case IMPORTED_CAPS -> PolicyWrites.partialImport(body);
            case CLIENT_CAP -> {
                // clients (create) or clients/{uuid} (update)
                ClientModel client = segments.size() > 4 ? realm.getClientById(segments.get(4)) : null;
                String what = "client " + (client != null ? client.getClientId() : body.path("clientId").asText("?"));
                yield PolicyWrites.capWrite(what, client == null ? null : client.getAttribute(PolicyWrites.CAP), body.get("attributes"), false);
            }
            case ROLE_CAP -> {
                RoleModel role = role(realm, segments);
                String what = "role " + (role != null ? role.getName() : body.path("name").asText("?"));
                // Keycloak's role update replaces the whole attribute map: a cap left out is removed.
                yield PolicyWrites.capWrite(what, role == null ? null : role.getFirstAttribute(PolicyWrites.CAP),
                        body.get("attributes"), role != null);
            }
        };
    }

    /** Policy attributes of a realm: each changed one needs the guard, and each value must be valid. */
    private static PolicyWrites.Assessment realmPolicy(RealmModel realm, Map<String, String> changed) {
        if (changed.isEmpty()) return PolicyWrites.Assessment.NONE;
        try {
            if (realm != null) PolicyUpdate.validate(realm, changed);
            else PolicyUpdate.validateValues(changed);
        } catch (PolicyUpdate.Invalid e) {
            return new PolicyWrites.Assessment(List.of(), Optional.of(e));
        }
        return new PolicyWrites.Assessment(new ArrayList<>(changed.keySet()), Optional.empty());
    }

    /** The stored role a role update addresses: roles/{name}, clients/{uuid}/roles/{name} or roles-by-id/{id}. */
    private static RoleModel role(RealmModel realm, List<String> s) {
        if (s.size() == 5 && "roles".equals(s.get(3))) return realm.getRole(s.get(4));
        if (s.size() == 7 && "clients".equals(s.get(3)) && "roles".equals(s.get(5))) {
            ClientModel client = realm.getClientById(s.get(4));
            return client == null ? null : client.getRole(s.get(6));
        }
        if (s.size() == 5 && "roles-by-id".equals(s.get(3))) return realm.getRoleById(s.get(4));
        return null;
    }

    /** Keycloak's own check for the entry, applied before the step-up so an admin without it hears 403 first. */
    private static Predicate<AdminPermissionEvaluator> permission(AdminCatalogue.Rule rule) {
        return switch (rule) {
            case REALM_POLICY, IMPORTED_CAPS -> p -> p.realm().canManageRealm();
            // Per-client and per-role rights (fine-grained permissions) are the endpoint's to judge; it runs next.
            case CLIENT_CAP, ROLE_CAP, NEW_REALM_POLICY -> null;
        };
    }

    /** The admin console shows {@code errorMessage} of a JSON error body for realm and component writes. */
    private static Response withConsoleMessage(PrivilegedActionGuard.Decision decision) {
        Map<String, Object> extra = new java.util.LinkedHashMap<>(decision.extra());
        extra.put("errorMessage", decision.error() + ": " + decision.description());
        Response.ResponseBuilder b = ApiError.builder(decision.status(), decision.error(), decision.description(), extra);
        decision.headers().forEach(b::header);
        return b.build();
    }

    /** The decoded, non-empty path segments: {@code users/x/} and {@code users/x} give the same list. */
    private static List<String> segments(ContainerRequestContext request) {
        List<String> out = new ArrayList<>();
        for (PathSegment segment : request.getUriInfo().getPathSegments()) {
            if (!segment.getPath().isEmpty()) out.add(segment.getPath());
        }
        return out;
    }
}
