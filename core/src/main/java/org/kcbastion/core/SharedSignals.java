package org.kcbastion.core;

import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;

import java.util.List;
import java.util.Map;

/**
 * Bastion's revocations as OpenID Shared Signals (CAEP) events, through Keycloak's own SSF transmitter (experimental
 * feature {@code ssf}): a {@code session-revoked} per ended session and, where Keycloak sends nothing itself, a
 * {@code credential-change}. Keycloak's transmitter signs them, keeps them in its outbox and delivers them (push and
 * poll, retries); Bastion only queues them, in a transaction of its own after the admin's one committed.
 * <p>
 * Keycloak already sends a {@code credential-change} for an admin password reset and a credential removal, and a
 * {@code session-revoked} for every user {@code LOGOUT} event (which Bastion fires when a cap or an impersonation ends a
 * session); Bastion adds only what is missing (docs/shared-signals.md). Without the feature, without the SSF classes
 * (an older Keycloak), with the realm's transmitter off or {@code bastion.ssf.enabled=false}, nothing is sent.
 */
public final class SharedSignals {

    private static final Logger LOG = Logger.getLogger(SharedSignals.class);
    private static final boolean CLASSES_PRESENT = classesPresent();

    /** The admin credential changes Keycloak's transmitter does not map to a {@code credential-change} itself. */
    private static final Map<String, String> UNMAPPED_CHANGES = Map.of("credentials_set", "update", "credential_disabled", "revoke");
    /** The ones it maps itself, as long as it emits credential-change natively (its getNativelyEmittedEventAliases). */
    private static final Map<String, String> KEYCLOAK_MAPPED_CHANGES = Map.of("reset_password", "update", "credential_removed", "delete");
    private static final Map<String, String> REASONS = Map.of(
            "reset_password", "Password reset by an administrator",
            "credentials_set", "Credential set by an administrator",
            "credential_removed", "Credential removed by an administrator",
            "credential_disabled", "Credential disabled by an administrator",
            "admin_request", "Sessions revoked by an administrator",
            "session_limit_reached", "Session reached its absolute lifetime",
            Impersonations.END_EXPIRED, "Impersonation reached its time limit",
            Impersonations.END_ADMIN_SESSION, "The impersonating administrator's session ended");

    /**
     * A revocation as the receivers should hear it. {@code credentialTypes} are the Keycloak credential types changed
     * ({@code password}, {@code otp}...), empty when no credential changed.
     */
    public record Revocation(String userId, List<String> sessionIds, String trigger, List<String> credentialTypes, boolean byPolicy) {
        public Revocation {
            sessionIds = List.copyOf(sessionIds);
            credentialTypes = List.copyOf(credentialTypes);
        }

        /** An admin's revocation: {@code initiating_entity} admin. */
        public Revocation(String userId, List<String> sessionIds, String trigger, List<String> credentialTypes) {
            this(userId, sessionIds, trigger, credentialTypes, false);
        }

        /** Sessions Bastion's policy ended (a cap, an impersonation's limit): {@code initiating_entity} policy. */
        public static Revocation byPolicy(String userId, List<String> sessionIds, String reason) {
            return new Revocation(userId, sessionIds, reason, List.of(), true);
        }

        /**
         * The CAEP change type ({@code update}, {@code revoke}, {@code delete}) when Bastion must send credential-change
         * events; null when none happened or Keycloak's transmitter sends it itself ({@code keycloakEmitsCredentialChange}).
         */
        String credentialChange(boolean keycloakEmitsCredentialChange) {
            if (credentialTypes.isEmpty()) return null;
            String unmapped = UNMAPPED_CHANGES.get(trigger);
            if (unmapped != null) return unmapped;
            return keycloakEmitsCredentialChange ? null : KEYCLOAK_MAPPED_CHANGES.get(trigger);
        }

        String reason() {
            return REASONS.getOrDefault(trigger, byPolicy ? "Session ended by policy" : "Sessions revoked by an administrator");
        }
    }

    /** SETs queued per CAEP event type. */
    public record Queued(int sessionRevoked, int credentialChange) {
        static final Queued NONE = new Queued(0, 0);

        public int total() {
            return sessionRevoked + credentialChange;
        }
    }

    /** For the posture report: whether the feature is on here, the realm's transmitter is on, and how many streams it has. */
    public record Status(boolean featureOn, boolean realmTransmitterOn, boolean policyOn, int streams) {
    }

    private SharedSignals() {
    }

    /**
     * Queues the events of {@code revocation} for every stream of the realm that asked for them and admits the user.
     * Needs an active transaction and the realm in the session's context ({@link RealmJobs#inRealm}); the rows are
     * delivered once that transaction commits.
     */
    public static Queued queue(KeycloakSession session, RealmModel realm, Revocation revocation) {
        if (!CLASSES_PRESENT || !BastionPolicy.ssfEnabled(realm)) return Queued.NONE;
        Queued queued = SsfTransmitterBridge.queue(session, realm, revocation);
        BastionMetrics.ssfQueued(realm.getName(), "session_revoked", queued.sessionRevoked());
        BastionMetrics.ssfQueued(realm.getName(), "credential_change", queued.credentialChange());
        return queued;
    }

    /**
     * {@link #queue} in a transaction of its own once {@code session}'s transaction committed (nothing on rollback),
     * on Bastion's executor. A failure is logged and counted; it never touches the caller's work.
     */
    public static void queueAfterCommit(KeycloakSession session, RealmModel realm, Revocation revocation) {
        if (!active(session, realm)) return;
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        String realmId = realm.getId();
        String realmName = realm.getName();
        AfterCommit.run(session, () -> {
            try {
                RealmJobs.inRealm(factory, realmId, (s, r) -> queue(s, r, revocation));
            } catch (RuntimeException e) {
                BastionMetrics.ssfFailed(realmName);
                LOG.warnf(e, "Bastion could not queue Shared Signals events for an ended session in realm %s", realmName);
            }
        });
    }

    /** Cheap: whether anything could be queued for {@code realm} (feature on, realm's transmitter on, policy on). */
    public static boolean active(KeycloakSession session, RealmModel realm) {
        return CLASSES_PRESENT && BastionPolicy.ssfEnabled(realm) && SsfTransmitterBridge.transmitterOn(session, realm);
    }

    /**
     * Whether {@code session} serves an HTTP request: Keycloak's own transmitter can then map Bastion's events itself
     * (it needs the request URL); off a request it cannot.
     */
    public static boolean onRequest(KeycloakSession session) {
        try {
            return session.getContext().getUri() != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public static Status status(KeycloakSession session, RealmModel realm) {
        boolean policyOn = BastionPolicy.ssfEnabled(realm);
        if (!CLASSES_PRESENT) return new Status(false, false, policyOn, 0);
        return SsfTransmitterBridge.status(session, realm, policyOn);
    }

    private static boolean classesPresent() {
        try {
            Class.forName("org.keycloak.ssf.transmitter.SsfTransmitterProvider", false, SharedSignals.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            LOG.debug("Keycloak's SSF transmitter classes are absent: Bastion sends no Shared Signals events");
            return false;
        }
    }
}
