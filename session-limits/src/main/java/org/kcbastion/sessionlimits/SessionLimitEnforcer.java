package org.kcbastion.sessionlimits;

import org.kcbastion.core.BastionKeys;
import org.kcbastion.core.BastionMetrics;
import org.kcbastion.core.Impersonations;
import org.kcbastion.core.RealmJobs;
import org.kcbastion.core.UserEvents;
import org.kcbastion.core.SecurityAudit;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;

import java.util.LinkedHashMap;
import java.util.Map;

/** Ends a session that reached its deadline, the same way from every enforcement point. */
public final class SessionLimitEnforcer {

    public static final String REASON = "session_limit_reached";
    /** The audit event of report mode: the session would have ended here, and lives on. */
    public static final String WOULD_END = "session_limit_would_end";
    /** User-session note of report mode: the deadline (epoch seconds) already reported, so each session is reported once. */
    public static final String NOTE_REPORTED = "bastion.limit.reported";

    private SessionLimitEnforcer() {
    }

    /**
     * The provider Keycloak chose for SPI {@code bastion-session-limit}; Bastion's default policy when the operator
     * enabled none (the refresh-token provider's factory warns at boot): a configuration slip must not switch the caps
     * off, nor turn every token request into a server error.
     */
    public static SessionLimitProvider provider(KeycloakSession session) {
        SessionLimitProvider chosen = session.getProvider(SessionLimitProvider.class);
        return chosen != null ? chosen : DefaultSessionLimitProvider.WHEN_NONE_ENABLED;
    }

    /**
     * Ends the session in a transaction of its own: the caller (a refused refresh, say) rolls its own back when it
     * answers with an error, and the end of the session must stand regardless.
     */
    public static void endInOwnTransaction(KeycloakSessionFactory factory, String realmId, String sessionId, boolean offline,
                                           SessionDeadline deadline, String where) {
        RealmJobs.inRealm(factory, realmId, (s, realm) -> {
            UserSessionModel us = offline ? s.sessions().getOfflineUserSession(realm, sessionId)
                    : s.sessions().getUserSession(realm, sessionId);
            if (us != null) end(s, realm, us, deadline, where);
        });
    }

    /**
     * Report mode: the audit line and metric of a session past its cap, once per session (a note marks it), without
     * ending it. The caller's transaction stores the note.
     */
    public static void report(KeycloakSession session, RealmModel realm, UserSessionModel us, SessionDeadline deadline, String where) {
        if (us.getNote(NOTE_REPORTED) != null) return;
        us.setNote(NOTE_REPORTED, String.valueOf(deadline.epochSeconds()));
        Map<String, Object> audit = auditFields(session, us, deadline, where);
        audit.put("mode", "report");
        SecurityAudit.record(WOULD_END, realm.getName(), audit);
        BastionMetrics.sessionLimitWouldEnd(realm.getName(), deadline.source());
    }

    /** Removes the session in the caller's transaction, with the LOGOUT event, audit line and metric. */
    public static void end(KeycloakSession session, RealmModel realm, UserSessionModel us, SessionDeadline deadline, String where) {
        String userId = us.getUser() == null ? null : us.getUser().getId();
        String sessionId = us.getId();
        boolean offline = us.isOffline();
        boolean impersonation = Impersonations.isImpersonation(us);
        Map<String, Object> impersonationAudit = null;
        if (impersonation) {
            impersonationAudit = Impersonations.endAudit(session, us, Impersonations.END_EXPIRED);
            impersonationAudit.put("cap_seconds", deadline.capSeconds());
            Impersonations.forget(session, sessionId);
        }
        if (offline) session.sessions().removeOfflineUserSession(realm, us);
        else session.sessions().removeUserSession(realm, us);

        Map<String, Object> details = new LinkedHashMap<>();
        details.put("cap_source", deadline.source());
        details.put("cap_seconds", deadline.capSeconds());
        UserEvents.sessionEnded(session, realm, userId, sessionId, impersonation ? Impersonations.END_EXPIRED : REASON, details);
        SecurityAudit.record(REASON, realm.getName(), auditFields(session, us, deadline, where));
        if (impersonation) Impersonations.ended(realm, impersonationAudit);
        BastionMetrics.sessionLimitReached(realm.getName(), deadline.source());
    }

    private static Map<String, Object> auditFields(KeycloakSession session, UserSessionModel us, SessionDeadline deadline, String where) {
        Map<String, Object> audit = new LinkedHashMap<>();
        audit.put("user_id", us.getUser() == null ? null : us.getUser().getId());
        audit.put("session", BastionKeys.digests(session).hmac(us.getId()));
        audit.put("offline", us.isOffline());
        audit.put("cap_seconds", deadline.capSeconds());
        audit.put("cap_source", deadline.source());
        audit.put("deadline", deadline.epochSeconds());
        audit.put("enforced_by", where);
        return audit;
    }
}
