package org.kcbastion.core;

import org.keycloak.common.util.Time;
import org.keycloak.events.Details;
import org.keycloak.events.EventType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The life of a Bastion-guarded impersonation: what the new session carries, and the audit trail at start, end and
 * denial. The session holds the reason, the admin and its expiry as notes; the admin's own session only as a digest.
 */
public final class Impersonations {

    /** Keycloak's notes on every impersonation session. */
    public static final String IMPERSONATOR_ID = "IMPERSONATOR_ID";
    public static final String IMPERSONATOR_USERNAME = "IMPERSONATOR_USERNAME";

    public static final String NOTE_REASON = "bastion.impersonation.reason";
    public static final String NOTE_EXPIRES = "bastion.impersonation.expires";
    /**
     * When the impersonation began. Keycloak copies session notes into an offline session created through the
     * impersonation, whose own start is later: its deadline still counts from here.
     */
    public static final String NOTE_STARTED = "bastion.impersonation.started";
    public static final String NOTE_ADMIN_REALM = "bastion.impersonation.admin-realm";
    /** HMAC digest of the admin's session id: enough to tell whether it still exists, useless to a reader of the store. */
    public static final String NOTE_ADMIN_SESSION = "bastion.impersonation.admin-session";

    /** What the guard allowed; {@code adminSessionDigest} is null for service accounts and same-realm admins. */
    record Grant(String reason, String adminRealmId, String adminId, String adminUsername, String adminSessionDigest,
                        String clientIp) {
    }

    public static final String END_LOGOUT = "logout";
    public static final String END_EXPIRED = "expired";
    public static final String END_BY_ADMIN = "ended_by_admin";
    public static final String END_ADMIN_SESSION = "admin_session_ended";

    private Impersonations() {
    }

    public static boolean isImpersonation(UserSessionModel us) {
        return us != null && us.getNote(IMPERSONATOR_ID) != null;
    }

    /**
     * Keycloak's IMPERSONATE event, inside the request's transaction ({@link ImpersonationFlow#started}): stamps the new
     * session with {@code grant} (null when the guard did not see the request) and writes the start audit line; the
     * notices go out after commit.
     */
    static void started(KeycloakSession session, RealmModel realm, String sessionId, Grant grant) {
        UserSessionModel us = sessionId == null ? null : session.sessions().getUserSession(realm, sessionId);
        if (us == null) return;
        BastionPolicy policy = BastionPolicy.from(realm);
        long expires = us.getStarted() + policy.impersonationMaxSessionSeconds();
        us.setNote(NOTE_STARTED, String.valueOf(us.getStarted()));
        us.setNote(NOTE_EXPIRES, String.valueOf(expires));
        ImpersonatedUsers.add(session.getKeycloakSessionFactory(), realm.getId(), us.getUser().getId(), us.getStarted());
        if (grant != null) {
            if (grant.reason() != null) us.setNote(NOTE_REASON, grant.reason());
            if (grant.adminSessionDigest() != null) {
                us.setNote(NOTE_ADMIN_REALM, grant.adminRealmId());
                us.setNote(NOTE_ADMIN_SESSION, grant.adminSessionDigest());
            }
        }
        String adminUsername = grant != null ? grant.adminUsername() : us.getNote(IMPERSONATOR_USERNAME);
        String adminId = grant != null ? grant.adminId() : us.getNote(IMPERSONATOR_ID);
        String reason = grant == null ? null : grant.reason();
        Map<String, Object> audit = new LinkedHashMap<>();
        audit.put("user_id", us.getUser().getId());
        audit.put("username", us.getUser().getUsername());
        audit.put("impersonator", adminUsername);
        audit.put("impersonator_id", adminId);
        audit.put("reason", reason);
        audit.put("expires_at", expires);
        audit.put("session", BastionKeys.digests(session).hmac(us.getId()));
        audit.put("guarded", grant != null);
        audit.put("ip", grant == null ? null : grant.clientIp());
        SecurityAudit.record("impersonation_start", realm.getName(), audit);
        count(realm, "started");
        // A cluster-wide marker, keyed by the session's digest, lets the end be audited however Keycloak ends the
        // session (a user's own logout included), when the session itself is already gone.
        Map<String, String> marker = new LinkedHashMap<>();
        marker.put("user_id", us.getUser().getId());
        if (adminUsername != null) marker.put("impersonator", adminUsername);
        if (adminId != null) marker.put("impersonator_id", adminId);
        marker.put("started", String.valueOf(us.getStarted()));
        session.singleUseObjects().put(markerKey(session, us.getId()), Math.max(60, expires - Time.currentTime()) + 300, marker);

        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        String realmId = realm.getId();
        String userId = us.getUser().getId();
        SecurityMail.ImpersonationNotice notice = new SecurityMail.ImpersonationNotice("started", adminUsername,
                grant == null ? null : grant.clientIp(), reason, null, Time.currentTime(), expires);
        boolean toUser = policy.impersonationNotifyUser();
        AfterCommit.run(session, () -> SecurityMail.impersonation(factory, realmId, userId, notice, toUser));
    }

    /**
     * A refused impersonation: Keycloak's {@code IMPERSONATE_ERROR} event (stored at once, in a transaction of its
     * own), the audit line and a notice to the security contact.
     */
    static void denied(KeycloakSession session, RealmModel realm, UserModel target, RealmModel adminRealm, UserModel admin,
                              String error, String rawReason, String clientIp) {
        // A refused reason is whatever the caller sent: keep it, but never as raw control or separator characters.
        String reason = Reasons.escape(rawReason);
        UserEvents.builder(session, realm).event(EventType.IMPERSONATE_ERROR)
                .user(target == null ? null : target.getId())
                .detail(Details.IMPERSONATOR_REALM, adminRealm == null ? null : adminRealm.getName())
                .detail(Details.IMPERSONATOR, admin == null ? null : admin.getUsername())
                .detail("impersonator_id", admin == null ? null : admin.getId())
                .detail(Details.REASON, reason)
                .error(error);
        Map<String, Object> audit = new LinkedHashMap<>();
        audit.put("user_id", target == null ? null : target.getId());
        audit.put("impersonator", admin == null ? null : admin.getUsername());
        audit.put("impersonator_id", admin == null ? null : admin.getId());
        audit.put("error", error);
        audit.put("reason", reason);
        audit.put("ip", clientIp);
        SecurityAudit.record("impersonation_denied", realm.getName(), audit);
        count(realm, "denied");
        if (target == null || BastionPolicy.from(realm).securityContact().isEmpty()) return;
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        String realmId = realm.getId();
        String userId = target.getId();
        SecurityMail.ImpersonationNotice notice = new SecurityMail.ImpersonationNotice("denied",
                admin == null ? null : admin.getUsername(), clientIp, reason, error, Time.currentTime(), 0);
        // The refused request may roll back; the notice must go out regardless.
        AfterCommit.executor(session).execute(() -> SecurityMail.impersonation(factory, realmId, userId, notice, false));
    }

    /**
     * Ends an impersonation session in the caller's transaction: removed, Keycloak's {@code LOGOUT} event with
     * {@code reason}, and the audit line.
     */
    public static void end(KeycloakSession session, RealmModel realm, UserSessionModel us, String reason, Map<String, ?> extraDetails) {
        String sessionId = us.getId();
        String userId = us.getUser() == null ? null : us.getUser().getId();
        Map<String, Object> audit = endAudit(session, us, reason);
        audit.putAll(extraDetails);
        forget(session, sessionId);
        session.sessions().removeUserSession(realm, us);
        UserEvents.sessionEnded(session, realm, userId, sessionId, reason, extraDetails);
        ended(realm, audit);
    }

    /**
     * Keycloak ended a session (e.g. the user signed out): if it was an impersonation that Bastion saw start, write its
     * end line with {@code reason}. Ends that Bastion itself performs have already removed the marker.
     */
    public static void endedByKeycloak(KeycloakSession session, RealmModel realm, String sessionId, String reason) {
        if (sessionId == null) return;
        Map<String, String> marker = session.singleUseObjects().remove(markerKey(session, sessionId));
        if (marker == null) return;
        Map<String, Object> audit = new LinkedHashMap<>();
        audit.put("user_id", marker.get("user_id"));
        audit.put("impersonator", marker.get("impersonator"));
        audit.put("impersonator_id", marker.get("impersonator_id"));
        audit.put("reason", reason);
        audit.put("session", BastionKeys.digests(session).hmac(sessionId));
        audit.put("started", marker.get("started") == null ? null : Long.valueOf(marker.get("started")));
        ended(realm, audit);
    }

    /** Forgets the marker of a session Bastion ends itself, so the LOGOUT event it emits is not audited twice. */
    public static void forget(KeycloakSession session, String sessionId) {
        session.singleUseObjects().remove(markerKey(session, sessionId));
    }

    private static String markerKey(KeycloakSession session, String sessionId) {
        return "bastion.impersonation." + BastionKeys.digests(session).hmac(sessionId);
    }

    /**
     * The fields of an {@code impersonation_end} line for {@code us}, read before the session is removed; callers may add
     * their own.
     */
    public static Map<String, Object> endAudit(KeycloakSession session, UserSessionModel us, String reason) {
        Map<String, Object> audit = new LinkedHashMap<>();
        audit.put("user_id", us.getUser() == null ? null : us.getUser().getId());
        audit.put("impersonator", us.getNote(IMPERSONATOR_USERNAME));
        audit.put("impersonator_id", us.getNote(IMPERSONATOR_ID));
        audit.put("reason", reason);
        audit.put("session", BastionKeys.digests(session).hmac(us.getId()));
        audit.put("started", us.getStarted());
        return audit;
    }

    /** Writes the end audit line for a session that something else already removed. */
    public static void ended(RealmModel realm, Map<String, Object> audit) {
        SecurityAudit.record("impersonation_end", realm.getName(), audit);
        count(realm, "ended");
    }

    private static void count(RealmModel realm, String phase) {
        BastionMetrics.impersonation(realm.getName(), phase);
    }
}
