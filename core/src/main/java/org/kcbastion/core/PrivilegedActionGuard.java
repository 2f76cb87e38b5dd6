package org.kcbastion.core;

import jakarta.ws.rs.core.Response;
import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;
import org.keycloak.services.resources.admin.fgap.AdminPermissions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The one place that decides whether an admin may perform a privileged action: Keycloak's own permission, protected
 * targets, a fresh step-up in the admin's own session, a reason, and cluster-wide rate limits, in that order. Every
 * guarded endpoint asks here, so the rules cannot drift apart between endpoints.
 */
public final class PrivilegedActionGuard {

    public static final String REASON_HEADER = "X-Bastion-Reason";

    public enum Action {
        IMPERSONATE("impersonate"), REVOKE_SESSIONS("revoke_sessions"), UPDATE_POLICY("update_policy"),
        /** An entry of the catalogue of privileged admin writes; the request names the entry and its permission. */
        PRIVILEGED_WRITE("privileged_write");

        private final String id;

        Action(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /**
     * One privileged request: the realm it acts on, the authenticated admin, the target user (null when there is
     * none), the reason as sent (null when none) and the client address.
     */
    public record Request(Action action, String actionId, Predicate<AdminPermissionEvaluator> permission, RealmModel realm,
                          AdminAuth admin, UserModel target, String reason, String clientIp) {

        public Request(Action action, RealmModel realm, AdminAuth admin, UserModel target, String reason, String clientIp) {
            this(action, action.id(), null, realm, admin, target, reason, clientIp);
        }

        /**
         * A privileged write named {@code actionId}; {@code permission} is Keycloak's own check for it, or null when
         * only the endpoint itself can tell (it still runs after the guard).
         */
        public static Request write(String actionId, Predicate<AdminPermissionEvaluator> permission, RealmModel realm,
                                    AdminAuth admin, String clientIp) {
            return new Request(Action.PRIVILEGED_WRITE, actionId, permission, realm, admin, null, null, clientIp);
        }
    }

    /** Allowed (with what the guard learned), or refused with the HTTP answer to give. */
    public record Decision(boolean allowed, int status, String error, String description, Map<String, Object> extra,
                           Map<String, String> headers, String reason, UserSessionModel adminSession) {

        static Decision allow(String reason, UserSessionModel adminSession) {
            return new Decision(true, 200, null, null, Map.of(), Map.of(), reason, adminSession);
        }

        static Decision deny(int status, String error, String description) {
            return new Decision(false, status, error, description, Map.of(), Map.of(), null, null);
        }

        Decision with(Map<String, Object> extra, Map<String, String> headers) {
            return new Decision(allowed, status, error, description, extra, headers, reason, adminSession);
        }

        public Response toResponse() {
            Response.ResponseBuilder b = ApiError.builder(status, error, description, extra);
            headers.forEach(b::header);
            return b.build();
        }
    }

    private PrivilegedActionGuard() {
    }

    /**
     * Decides, counts the decision, and audits a refusal: {@code privileged_action_denied}, or for an impersonation
     * {@code impersonation_denied} with Keycloak's {@code IMPERSONATE_ERROR} event and the security contact's notice.
     */
    public static Decision decide(KeycloakSession session, Request request) {
        Decision decision = evaluate(session, request);
        if (!decision.allowed() && request.action() == Action.IMPERSONATE) {
            Impersonations.denied(session, request.realm(), request.target(), request.admin().getRealm(), request.admin().getUser(),
                    decision.error(), request.reason(), request.clientIp());
        } else if (!decision.allowed()) {
            Map<String, Object> audit = new LinkedHashMap<>();
            audit.put("action", request.actionId());
            audit.put("error", decision.error());
            audit.put("admin", request.admin().getUser() == null ? null : request.admin().getUser().getUsername());
            audit.put("user_id", request.target() == null ? null : request.target().getId());
            audit.put("ip", request.clientIp());
            SecurityAudit.record("privileged_action_denied", request.realm().getName(), audit);
        }
        if (decision.allowed() && request.action() == Action.PRIVILEGED_WRITE) {
            Map<String, Object> audit = new LinkedHashMap<>();
            audit.put("action", request.actionId());
            audit.put("admin", request.admin().getUser() == null ? null : request.admin().getUser().getUsername());
            audit.put("admin_realm", request.admin().getRealm() == null ? null : request.admin().getRealm().getName());
            audit.put("service_account", decision.adminSession() == null);
            audit.put("ip", request.clientIp());
            SecurityAudit.record("privileged_action_allowed", request.realm().getName(), audit);
        }
        BastionMetrics.guardDecision(request.realm().getName(), request.actionId(), decision.allowed() ? "allowed" : decision.error());
        return decision;
    }

    private static Decision evaluate(KeycloakSession session, Request request) {
        RealmModel realm = request.realm();
        BastionPolicy policy = BastionPolicy.from(realm);
        AdminAuth admin = request.admin();
        AdminPermissionEvaluator permissions = AdminPermissions.evaluator(session, realm, admin);
        if (!permitted(permissions, request)) {
            return Decision.deny(403, "not_permitted", "You do not have the permission for this action in realm " + realm.getName() + ".");
        }
        // Containment never waits for a step-up: incident response must be fast.
        if (request.action() == Action.REVOKE_SESSIONS) return Decision.allow(null, null);
        if (request.action() == Action.IMPERSONATE) {
            Optional<String> protectedBy = ProtectedTargets.protectedRole(realm, policy, request.target());
            if (protectedBy.isPresent()) {
                return Decision.deny(403, "protected_target", "This user holds the protected role " + protectedBy.get()
                        + " and cannot be impersonated.");
            }
            // Admin power without an admin role: fine-grained admin permissions (CVE-2026-17526 is the same class).
            Optional<String> permission = FineGrainedAdmins.grantingPermission(session, realm, request.target());
            if (permission.isPresent()) {
                return Decision.deny(403, "protected_target", "This user holds admin power through the fine-grained permission '"
                        + permission.get() + "' and cannot be impersonated.");
            }
        }

        UserSessionModel adminSession = null;
        boolean serviceAccount = admin.getUser() != null && admin.getUser().getServiceAccountClientLink() != null;
        if (serviceAccount) {
            if (request.action() != Action.IMPERSONATE && policy.stepUpDenyServiceAccounts()) {
                return Decision.deny(403, "not_permitted", "Service accounts may not perform privileged admin actions in realm "
                        + realm.getName() + " (policy " + PolicyKey.STEP_UP_SERVICE_ACCOUNTS.attribute() + "=deny).");
            }
            if (request.action() == Action.IMPERSONATE && !policy.impersonationAllowServiceAccounts()) {
                return Decision.deny(403, "not_permitted", "Service accounts may not impersonate users in realm "
                        + realm.getName() + " (policy " + PolicyKey.IMPERSONATION_ALLOW_SERVICE_ACCOUNTS.attribute() + ").");
            }
        } else {
            String sid = admin.getToken() == null ? null : admin.getToken().getSessionId();
            adminSession = sid == null ? null : session.sessions().getUserSession(admin.getRealm(), sid);
            long now = Time.currentTime();
            int maxAge = maxAgeSeconds(policy, request);
            boolean fresh = adminSession != null && StepUp.parse(adminSession.getNote(StepUp.NOTE))
                    .filter(s -> s.freshAt(now, maxAge))
                    .isPresent();
            if (!fresh) {
                String url = stepUpUrl(session, admin.getRealm());
                return Decision.deny(401, "step_up_required", "Confirm your identity first (step-up, valid "
                                + maxAge + " s): " + url)
                        .with(Map.of("step_up_url", url, "max_age", maxAge),
                                Map.of("WWW-Authenticate", "Bearer error=\"insufficient_user_authentication\", error_description=\""
                                        + "A fresh step-up is required\", max_age=" + maxAge));
            }
        }

        String reason = request.reason() == null ? null : Reasons.trimSpaces(request.reason());
        if (reason != null && reason.isEmpty()) reason = null;
        if (reason == null && adminSession != null) reason = adminSession.getNote(StepUp.REASON_NOTE);
        if (reason != null && (reason.length() > Reasons.MAX_LENGTH || !Reasons.printable(reason))) {
            return Decision.deny(400, "reason_required",
                    "The reason must be printable text of at most " + Reasons.MAX_LENGTH + " characters.");
        }
        if (reason == null && request.action() == Action.IMPERSONATE && policy.impersonationRequireReason()) {
            return Decision.deny(400, "reason_required", "Give a reason (a ticket number) at " + stepUpUrl(session, admin.getRealm())
                    + " , or in the " + REASON_HEADER + " header, or as \"reason\" in a JSON body.");
        }

        if (request.action() == Action.IMPERSONATE) {
            ImpersonationLimits limits = policy.impersonationLimits();
            List<RateLimiter.Bucket> buckets = new ArrayList<>();
            String adminId = admin.getUser() == null ? admin.getClient().getId() : admin.getUser().getId();
            buckets.add(new RateLimiter.Bucket("admin", realm.getId() + "/" + adminId, limits.perAdmin()));
            if (request.clientIp() != null) buckets.add(new RateLimiter.Bucket("ip", realm.getId() + "/" + request.clientIp(),
                    limits.perIp()));
            if (request.target() != null) buckets.add(new RateLimiter.Bucket("target", realm.getId() + "/" + request.target().getId(),
                    limits.perTarget()));
            RateLimiter.Outcome outcome = new RateLimiter(RateSlots.of(session), BastionKeys.digests(session))
                    .acquire(Time.currentTime(), buckets);
            if (!outcome.granted()) {
                BastionMetrics.rateLimited(request.realm().getName(), outcome.scope());
                return Decision.deny(429, "rate_limited", "Too many impersonations (" + outcome.scope() + " limit); try again in "
                                + outcome.retryAfterSeconds() + " seconds.")
                        .with(Map.of("scope", outcome.scope(), "retry_after", outcome.retryAfterSeconds()),
                                Map.of("Retry-After", String.valueOf(outcome.retryAfterSeconds())));
            }
        }
        return Decision.allow(reason, adminSession);
    }

    /**
     * Impersonation and Bastion's own policy keep the short window ({@code bastion.stepUp.maxAgeSeconds}); the other
     * catalogue writes have their own ({@code bastion.stepUp.writesMaxAgeSeconds}), so a batch of edits does not ask
     * again every few minutes.
     */
    static int maxAgeSeconds(BastionPolicy policy, Request request) {
        boolean write = request.action() == Action.PRIVILEGED_WRITE && !Action.UPDATE_POLICY.id().equals(request.actionId());
        return write ? policy.stepUpWritesMaxAgeSeconds() : policy.stepUpMaxAgeSeconds();
    }

    private static boolean permitted(AdminPermissionEvaluator permissions, Request request) {
        return switch (request.action()) {
            case IMPERSONATE -> request.target() != null && permissions.users().canImpersonate(request.target(), null);
            case REVOKE_SESSIONS -> request.target() != null && permissions.users().canManage(request.target());
            case UPDATE_POLICY -> permissions.realm().canManageRealm();
            case PRIVILEGED_WRITE -> request.permission() == null || request.permission().test(permissions);
        };
    }

    /**
     * Bastion's step-up page in the admin's realm. Without parameters it returns to that realm's admin console, so the
     * address stays short enough to read in the console's alert and to type.
     */
    public static String stepUpUrl(KeycloakSession session, RealmModel adminRealm) {
        return session.getContext().getUri().getBaseUriBuilder().path("realms").path(adminRealm.getName())
                .path("bastion").path("step-up").build().toString();
    }

    /** What the guard reports about itself, for operational info. */
    public static Map<String, String> describe() {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("order", "permission, protected target, service account, step-up, reason, rate limits");
        info.put("reasonHeader", REASON_HEADER);
        return info;
    }
}
