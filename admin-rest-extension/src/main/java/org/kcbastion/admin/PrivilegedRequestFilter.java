package org.kcbastion.admin;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Response;
import org.kcbastion.core.AdminPaths;
import org.kcbastion.core.ApiError;
import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.Ids;
import org.kcbastion.core.PrivilegedActionGuard;
import org.kcbastion.core.RequestBodies;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;
import org.keycloak.util.JsonSerialization;
import org.keycloak.utils.KeycloakSessionUtil;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Sudo mode for Keycloak's admin API: applies {@link AdminCatalogue} to every admin write. It sees the resource method
 * Keycloak routed the request to (not the path), so every spelling that reaches an endpoint is judged alike. A request
 * the catalogue (or {@code bastion.stepUp.scope=all-writes}) makes privileged passes {@link PrivilegedActionGuard}:
 * Keycloak's permission, then a fresh step-up in the admin's own session; a request carrying an invalid policy value
 * is refused with 400 {@code invalid_policy}. Either way nothing is changed. One instance per resource method,
 * bound by {@link PrivilegedRequestBinding} to every method that may serve a write, so OIDC's token requests never
 * reach it. Writes the catalogue does not name leave after one map lookup and, under {@code privileged}, one cached
 * realm read.
 */
final class PrivilegedRequestFilter implements ContainerRequestFilter {

    /** A realm representation is rarely over a few hundred KiB; one this large is refused rather than let through unread. */
    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    private final Class<?> resourceClass;
    private final Method routed;

    /** The filter of the resource method Keycloak routes to: {@code resourceClass}'s {@code routed}. */
    PrivilegedRequestFilter(Class<?> resourceClass, Method routed) {
        this.resourceClass = resourceClass;
        this.routed = routed;
    }

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        String method = request.getMethod();
        if ("GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method)) return;
        if (!request.getUriInfo().getPath().contains("admin/realms")) return;
        if (AdminCatalogue.isImpersonation(resourceClass, routed.getName())) {
            // Self-guarded: the impersonation flow's own checks (reason, rate limits, protected roles, step-up).
            if ("POST".equals(method)) ImpersonationGate.judge(request);
            return;
        }
        List<String> segments = AdminPaths.segments(request);
        // admin/realms[/{realm}/...]: every other path (token endpoint, login pages, account) leaves here.
        if (segments.size() < 2 || !"admin".equals(segments.get(0)) || !"realms".equals(segments.get(1))) return;
        Optional<AdminCatalogue.Entry> entry = AdminCatalogue.find(resourceClass, routed.getName());
        AdminCatalogue.Rule rule = entry.map(AdminCatalogue.Entry::rule).orElse(null);
        if (rule == AdminCatalogue.Rule.CONTAINMENT || rule == AdminCatalogue.Rule.SELF_GUARDED) return;
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        if (session == null) return;
        RealmModel realm = null;
        if (segments.size() > 2) {
            if (!Ids.plausible(segments.get(2))) return;
            realm = session.realms().getRealmByName(segments.get(2));
            if (realm == null) return;
        }
        boolean allWrites = realm != null && BastionPolicy.stepUpAllWrites(realm);
        if (entry.isEmpty() && !allWrites) return;

        Optional<AdminAuth> authenticated = AdminRequests.authenticate(session);
        // No valid token: Keycloak answers 401 itself and nothing runs.
        if (authenticated.isEmpty()) return;
        AdminAuth admin = authenticated.get();
        if (realm == null) realm = admin.getRealm();

        AdminWrite write = new AdminWrite(session, realm, segments, readBody(request));
        if (write.body() == AdminWrite.UNREADABLE) {
            request.abortWith(ApiError.response(Response.Status.BAD_REQUEST, "invalid_request", "The body is not valid JSON."));
            return;
        }
        if (write.body() == AdminWrite.TOO_LARGE) {
            request.abortWith(ApiError.response(Response.Status.REQUEST_ENTITY_TOO_LARGE, "request_too_large",
                    "A body of more than " + MAX_BODY_BYTES / (1024 * 1024) + " MiB is not accepted by this endpoint."));
            return;
        }
        AdminWrite.Verdict verdict = rule == null ? AdminWrite.Verdict.NOT_PRIVILEGED : write.judge(rule);
        if (verdict.invalid().isPresent()) {
            String description = verdict.invalid().get().getMessage();
            request.abortWith(ApiError.builder(400, "invalid_policy", description, Map.of("errorMessage", description)).build());
            return;
        }
        String action;
        if (verdict.privileged()) {
            action = entry.get().action();
        } else if (allWrites && !verdict.containment()) {
            action = "admin_write";
        } else {
            return;
        }
        String ip = session.getContext().getConnection() == null ? null : session.getContext().getConnection().getRemoteAddr();
        PrivilegedActionGuard.Decision decision = PrivilegedActionGuard.decide(session, PrivilegedActionGuard.Request.write(
                action, rule == AdminCatalogue.Rule.NEW_REALM ? null : permission(write, action), realm, admin, ip));
        recordAdminEvent(session, realm, admin, action, decision, routed, segments);
        if (!decision.allowed()) request.abortWith(withConsoleMessage(decision));
    }

    /**
     * The sudo decision as an admin event of its own (resource type CUSTOM, path {@code bastion/sudo/<action>}), so
     * the realm's admin events show who was asked for a step-up and who passed, next to Keycloak's own event of the
     * write. A refused write has no event of Keycloak's: this is its only trace there (beside the audit log).
     */
    private static void recordAdminEvent(KeycloakSession session, RealmModel realm, AdminAuth admin, String action,
                                         PrivilegedActionGuard.Decision decision, Method routed, List<String> segments) {
        if (!realm.isAdminEventsEnabled()) return;
        try {
            new org.keycloak.services.resources.admin.AdminEventBuilder(realm, admin, session, session.getContext().getConnection())
                    .operation(org.keycloak.events.admin.OperationType.ACTION)
                    .resource(org.keycloak.events.admin.ResourceType.CUSTOM)
                    .resourcePath("bastion", "sudo", action)
                    .detail("bastion_action", action)
                    .detail("bastion_decision", decision.allowed() ? "allowed" : decision.error())
                    .detail("routed_method", routed.getDeclaringClass().getSimpleName() + "#" + routed.getName())
                    .detail("request_path", String.join("/", segments.subList(Math.min(3, segments.size()), segments.size())))
                    .success();
        } catch (RuntimeException e) {
            // The decision stands without its event; the audit line and the metric are written already.
            org.jboss.logging.Logger.getLogger(PrivilegedRequestFilter.class).debugf(e, "Bastion could not record the sudo admin event");
        }
    }

    /**
     * Keycloak's own check for the write, asked before the step-up so an admin without it hears 403 first. Null where
     * only the endpoint can tell (it still runs after the guard), as for a new realm (create-realm, in master).
     */
    private static Predicate<AdminPermissionEvaluator> permission(AdminWrite write, String action) {
        List<String> s = write.segments();
        if (s.size() > 4 && "users".equals(s.get(3))) {
            UserModel user = Ids.plausible(s.get(4)) ? write.session().users().getUserById(write.realm(), s.get(4)) : null;
            if (user == null) return null;
            return p -> p.users().canManage(user) || p.users().canMapRoles(user) || p.users().canManageGroupMembership(user);
        }
        return switch (action) {
            case "realm_security", "authentication", "events", "components", "client_policies", "user_profile",
                    "identity_providers", "import" -> p -> p.realm().canManageRealm();
            default -> null;
        };
    }

    /** The body as JSON: null when there is none, or one of the two markers. */
    private static JsonNode readBody(ContainerRequestContext request) throws IOException {
        if (!request.hasEntity()) return null;
        byte[] bytes = RequestBodies.peek(request, MAX_BODY_BYTES);
        if (bytes == null) return AdminWrite.TOO_LARGE;
        if (bytes.length == 0) return null;
        try {
            return JsonSerialization.readValue(bytes, JsonNode.class);
        } catch (IOException | RuntimeException e) {
            // Keycloak reads the body with the same parser and refuses it too; say so before the two could differ.
            return AdminWrite.UNREADABLE;
        }
    }

    /** The admin console shows {@code errorMessage} of a JSON error body for realm and component writes. */
    private static Response withConsoleMessage(PrivilegedActionGuard.Decision decision) {
        Map<String, Object> extra = new java.util.LinkedHashMap<>(decision.extra());
        extra.put("errorMessage", decision.error() + ": " + decision.description());
        Response.ResponseBuilder b = ApiError.builder(decision.status(), decision.error(), decision.description(), extra);
        decision.headers().forEach(b::header);
        return b.build();
    }

    /** The client a path below {@code clients/{uuid}} addresses; null when there is none. */
    static ClientModel client(RealmModel realm, List<String> s) {
        return s.size() > 4 && "clients".equals(s.get(3)) && Ids.plausible(s.get(4)) ? realm.getClientById(s.get(4)) : null;
    }
}
