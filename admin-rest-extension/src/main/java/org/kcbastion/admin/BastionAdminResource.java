package org.kcbastion.admin;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.kcbastion.core.ApiError;
import org.kcbastion.core.Ids;
import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.Impersonations;
import org.kcbastion.core.PolicyKey;
import org.kcbastion.core.PrivilegedActionGuard;
import org.kcbastion.core.SessionRevoker;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.services.resources.admin.AdminEventBuilder;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;
import org.keycloak.util.JsonSerialization;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code /admin/realms/{realm}/bastion}: Keycloak has authenticated the admin; each method checks permissions. */
final class BastionAdminResource {

    private final KeycloakSession session;
    private final RealmModel realm;
    private final AdminPermissionEvaluator auth;
    private final AdminEventBuilder adminEvent;

    BastionAdminResource(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth, AdminEventBuilder adminEvent) {
        this.session = session;
        this.realm = realm;
        this.auth = auth;
        this.adminEvent = adminEvent;
    }

    /**
     * The effective policy: for every key its value, its default, whether the realm sets it, and where the stored
     * value is invalid, why and what applies instead (always the strict side).
     */
    @GET
    @Path("policy")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> getPolicy() {
        auth.realm().requireViewRealm();
        BastionPolicy policy = BastionPolicy.from(realm);
        Map<String, Object> entries = new LinkedHashMap<>();
        for (PolicyKey key : PolicyKey.values()) {
            String stored = realm.getAttribute(key.attribute());
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("value", stored == null || stored.isBlank() ? key.defaultValue() : stored);
            entry.put("default", key.defaultValue());
            entry.put("set", stored != null && !stored.isBlank());
            policy.problems().stream()
                    .filter(p -> p.key() == key)
                    .findFirst()
                    .ifPresent(p -> {
                        entry.put("value", p.inForce());
                        entry.put("invalid", p.value());
                        entry.put("problem", p.reason());
                    });
            entries.put(key.attribute(), entry);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("realm", realm.getName());
        body.put("valid", policy.isValid());
        body.put("policy", entries);
        Map<String, Object> sudo = new LinkedHashMap<>();
        sudo.put("scope", policy.stepUpAllWrites() ? "all-writes" : "privileged");
        sudo.put("serviceAccounts", policy.stepUpDenyServiceAccounts() ? "deny" : "allow");
        List<Map<String, String>> catalogue = new java.util.ArrayList<>();
        AdminCatalogue.entries().forEach((routed, e) -> catalogue.add(Map.of("routed_method", routed, "action", e.action(),
                "rule", e.rule().name().toLowerCase(java.util.Locale.ROOT), "why", e.why())));
        sudo.put("catalogue", catalogue);
        body.put("sudo", sudo);
        return body;
    }

    /**
     * The same full revocation as an admin credential change, on demand: {@code notBefore}, every online and offline
     * session, back-channel logout and the alert email. Needs manage-users on the user.
     */
    @POST
    @Path("users/{id}/revoke-sessions")
    @Produces(MediaType.APPLICATION_JSON)
    public Response revokeSessions(@PathParam("id") String id) {
        UserModel user = Ids.plausible(id) ? session.users().getUserById(realm, id) : null;
        if (user == null) {
            auth.users().requireQuery();
            return ApiError.response(Response.Status.NOT_FOUND, "user_not_found", "No user with this id in realm " + realm.getName());
        }
        Optional<Response> refused = guard(PrivilegedActionGuard.Action.REVOKE_SESSIONS, user);
        if (refused.isPresent()) return refused.get();
        var admin = auth.adminAuth().getUser();
        var connection = session.getContext().getConnection();
        SessionRevoker.Result result = SessionRevoker.revokeAll(session, realm, user, new SessionRevoker.Request(
                "admin_request", "bastionChangeAdminRevocation", admin == null ? null : admin.getUsername(),
                connection == null ? null : connection.getRemoteAddr(), true));
        adminEvent.resource(ResourceType.USER).operation(OperationType.ACTION).resourcePath(session.getContext().getUri()).success();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("online", result.online());
        body.put("offline", result.offline());
        body.put("logout_tokens", result.logoutTokens());
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE).build();
    }

    /**
     * Changes the policy: a JSON object of policy attributes to values ({@code null} or {@code ""} unsets one; keys not
     * sent stay as they are). Every field is validated before anything is stored; the first bad one is named in a 400
     * {@code invalid_policy}. Needs manage-realm and a fresh step-up, decided by {@link PrivilegedActionGuard}.
     */
    @PUT
    @Path("policy")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response putPolicy(String body) {
        Optional<Response> refused = guard(PrivilegedActionGuard.Action.UPDATE_POLICY, null);
        if (refused.isPresent()) return refused.get();
        JsonNode json;
        try {
            json = body == null || body.isBlank() ? null : JsonSerialization.readValue(body, JsonNode.class);
        } catch (IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            return ApiError.response(Response.Status.BAD_REQUEST, "invalid_policy",
                    "The body must be a JSON object of policy attributes, e.g. {\"bastion.stepUp.maxAgeSeconds\": 120}");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (var it = json.fields(); it.hasNext(); ) {
            var field = it.next();
            JsonNode v = field.getValue();
            if (!(v.isNull() || v.isTextual() || v.isNumber() || v.isBoolean())) {
                return invalid(field.getKey(), "must be a string, number, boolean or null");
            }
            fields.put(field.getKey(), v.isNull() ? null : v.asText());
        }
        Map<PolicyKey, String> changes;
        try {
            changes = PolicyUpdate.validate(realm, fields);
        } catch (PolicyUpdate.Invalid e) {
            return ApiError.response(Response.Status.BAD_REQUEST, "invalid_policy", e.getMessage());
        }
        PolicyUpdate.apply(realm, changes);
        Map<String, String> representation = new LinkedHashMap<>();
        changes.forEach((key, value) -> representation.put(key.attribute(), value));
        adminEvent.resource(ResourceType.REALM).operation(OperationType.UPDATE).resourcePath(session.getContext().getUri())
                .representation(representation).success();
        return Response.ok(getPolicy(), MediaType.APPLICATION_JSON_TYPE).build();
    }

    private static Response invalid(String field, String reason) {
        return ApiError.response(Response.Status.BAD_REQUEST, "invalid_policy", field + ": " + reason);
    }

    /** Asks the guard (which audits a refusal); a refusal is returned as the response to give. */
    private Optional<Response> guard(PrivilegedActionGuard.Action action, UserModel target) {
        var connection = session.getContext().getConnection();
        String ip = connection == null ? null : connection.getRemoteAddr();
        String reason = session.getContext().getRequestHeaders().getHeaderString(PrivilegedActionGuard.REASON_HEADER);
        PrivilegedActionGuard.Decision d = PrivilegedActionGuard.decide(session,
                new PrivilegedActionGuard.Request(action, realm, auth.adminAuth(), target, reason, ip));
        return d.allowed() ? Optional.empty() : Optional.of(d.toResponse());
    }

    /** The hardening report: every check with id, severity, status, detail and remediation. Needs view-realm. */
    @GET
    @Path("posture")
    @Produces(MediaType.APPLICATION_JSON)
    public List<Map<String, Object>> getPosture() {
        auth.realm().requireViewRealm();
        return new PostureReport(session, realm).run().stream().map(PostureReport.Check::json).toList();
    }

    /** Active impersonation sessions of the realm, oldest first. Needs view-users. */
    @GET
    @Path("impersonations")
    @Produces(MediaType.APPLICATION_JSON)
    public List<Map<String, Object>> getImpersonations() {
        auth.users().requireView();
        return session.sessions().readOnlyStreamUserSessions(realm)
                .filter(Impersonations::isImpersonation)
                .sorted(java.util.Comparator.comparingInt(UserSessionModel::getStarted))
                .map(BastionAdminResource::impersonationJson)
                .toList();
    }

    /** Ends one impersonation now: session removed, LOGOUT event with reason {@code ended_by_admin}. Needs manage-users. */
    @DELETE
    @Path("impersonations/{sessionId}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response endImpersonation(@PathParam("sessionId") String sessionId) {
        auth.users().requireView();
        UserSessionModel us = Ids.plausible(sessionId) ? session.sessions().getUserSession(realm, sessionId) : null;
        if (!Impersonations.isImpersonation(us)) {
            return ApiError.response(Response.Status.NOT_FOUND, "impersonation_not_found",
                    "No active impersonation session with this id in realm " + realm.getName());
        }
        auth.users().requireManage(us.getUser());
        var admin = auth.adminAuth().getUser();
        Impersonations.end(session, realm, us, Impersonations.END_BY_ADMIN,
                Map.of("ended_by", admin == null ? "-" : admin.getUsername()));
        adminEvent.resource(ResourceType.USER_SESSION).operation(OperationType.DELETE)
                .resourcePath(session.getContext().getUri()).success();
        return Response.noContent().build();
    }

    private static Map<String, Object> impersonationJson(UserSessionModel us) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", us.getId());
        json.put("user_id", us.getUser().getId());
        json.put("username", us.getUser().getUsername());
        json.put("impersonator", us.getNote(Impersonations.IMPERSONATOR_USERNAME));
        json.put("impersonator_id", us.getNote(Impersonations.IMPERSONATOR_ID));
        json.put("reason", us.getNote(Impersonations.NOTE_REASON));
        json.put("started", us.getStarted());
        String expires = us.getNote(Impersonations.NOTE_EXPIRES);
        json.put("expires", expires == null ? null : Long.valueOf(expires));
        json.put("ip", us.getIpAddress());
        return json;
    }
}
