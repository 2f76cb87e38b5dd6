package org.kcbastion.sessionlimits;

import org.jboss.logging.Logger;
import org.kcbastion.core.BastionKeys;
import org.kcbastion.core.BastionMetrics;
import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.Digests;
import org.kcbastion.core.Impersonations;
import org.kcbastion.core.RealmJobs;
import org.keycloak.cluster.ClusterProvider;
import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.KeycloakModelUtils;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Ends sessions past their deadline with no traffic needed, so userinfo, introspection and the admin console agree
 * with the refresh path. Runs once per cluster per interval (Keycloak's {@link ClusterProvider} lock). Sessions are
 * read read-only; the expired ones are then ended in small transactions of their own.
 */
final class SessionLimitSweeper implements Runnable {

    static final String TASK_NAME = "bastion-session-limit-sweeper";
    private static final Logger LOG = Logger.getLogger(SessionLimitSweeper.class);
    private static final int END_BATCH = 100;

    private final KeycloakSessionFactory factory;
    private final int intervalSeconds;

    SessionLimitSweeper(KeycloakSessionFactory factory, int intervalSeconds) {
        this.factory = factory;
        this.intervalSeconds = intervalSeconds;
    }

    /** A session to end: at its deadline, or (when {@code impersonationEnd} is set) an impersonation whose admin left. */
    private record Expired(String realmId, String id, boolean offline, SessionDeadline deadline, String impersonationEnd) {
    }

    @Override
    public void run() {
        try {
            KeycloakModelUtils.runJobInTransaction(factory, session -> session.getProvider(ClusterProvider.class)
                    .executeIfNotExecuted(TASK_NAME, intervalSeconds, () -> {
                        sweep();
                        return null;
                    }));
        } catch (RuntimeException e) {
            // The next interval tries again; a database restart must not kill the timer.
            LOG.warnf("Bastion session-limit sweep failed, retrying next interval: %s", e.toString());
            BastionMetrics.sweepFailed();
        }
    }

    void sweep() {
        long startedAt = System.nanoTime();
        List<String> realmIds = new ArrayList<>();
        KeycloakModelUtils.runJobInTransaction(factory, s -> s.realms().getRealmsStream().forEach(r -> realmIds.add(r.getId())));
        int ended = 0;
        Counts counts = new Counts();
        for (String realmId : realmIds) {
            List<Expired> expired = findExpired(realmId, counts);
            for (int i = 0; i < expired.size(); i += END_BATCH) {
                List<Expired> batch = expired.subList(i, Math.min(expired.size(), i + END_BATCH));
                RealmJobs.inRealm(factory, realmId, (s, realm) -> {
                    for (Expired e : batch) {
                        UserSessionModel us = e.offline ? s.sessions().getOfflineUserSession(realm, e.id) : s.sessions().getUserSession(realm, e.id);
                        if (us == null) continue;
                        if (e.impersonationEnd != null) Impersonations.end(s, realm, us, e.impersonationEnd, Map.of());
                        else if (e.deadline.enforced()) SessionLimitEnforcer.end(s, realm, us, e.deadline, "sweeper");
                        else SessionLimitEnforcer.report(s, realm, us, e.deadline, "sweeper");
                    }
                });
            }
            ended += expired.size();
        }
        LOG.debugf("Bastion session-limit sweep: read %d sessions, judged %d, ended %d in %d ms", counts.read, counts.judged,
                ended, (System.nanoTime() - startedAt) / 1_000_000);
    }

    /** For the debug line the sweep benchmark reads. */
    private static final class Counts {
        long read;
        long judged;
    }

    private List<Expired> findExpired(String realmId, Counts counts) {
        List<Expired> expired = new ArrayList<>();
        RealmJobs.inRealm(factory, realmId, (s, realm) -> {
            long now = Time.currentTime();
            long floor = smallestPossibleCap(s, realm);
            SessionLimitProvider limits = SessionLimitEnforcer.provider(s);
            Stream.concat(s.sessions().readOnlyStreamUserSessions(realm), s.sessions().readOnlyStreamOfflineUserSessions(realm))
                    // Sessions younger than the smallest cap configured anywhere cannot have expired: skip them
                    // without loading their user and roles.
                    .peek(us -> counts.read++)
                    .filter(us -> us.getStarted() + floor <= now || us.getNote(DefaultSessionLimitProvider.IMPERSONATOR_ID) != null)
                    .peek(us -> counts.judged++)
                    .forEach(us -> {
                        SessionDeadline d = limits.deadline(realm, us, null);
                        if (d.passed(now)) {
                            // Report mode: each session once; enforce mode (or a switch back to it): ended.
                            if (d.enforced() || us.getNote(SessionLimitEnforcer.NOTE_REPORTED) == null) {
                                expired.add(new Expired(realmId, us.getId(), us.isOffline(), d, null));
                            }
                        }
                        else if (adminSessionEnded(s, us)) expired.add(new Expired(realmId, us.getId(), false, d, Impersonations.END_ADMIN_SESSION));
                    });
        });
        return expired;
    }

    /**
     * An impersonation started by an admin of another realm ends with the admin's session. The session holds only a
     * digest of the admin's session id, so the admin's few sessions are digested and compared.
     */
    static boolean adminSessionEnded(KeycloakSession s, UserSessionModel us) {
        String digest = us.getNote(Impersonations.NOTE_ADMIN_SESSION);
        String adminRealmId = us.getNote(Impersonations.NOTE_ADMIN_REALM);
        String adminId = us.getNote(Impersonations.IMPERSONATOR_ID);
        if (digest == null || adminRealmId == null || adminId == null || us.isOffline()) return false;
        RealmModel adminRealm = s.realms().getRealm(adminRealmId);
        UserModel admin = adminRealm == null ? null : s.users().getUserById(adminRealm, adminId);
        if (admin == null) return true;
        Digests digests = BastionKeys.digests(s);
        return s.sessions().getUserSessionsStream(adminRealm, admin)
                .noneMatch(a -> Digests.constantTimeEquals(digests.hmac(a.getId()), digest));
    }

    /** The smallest cap of the realm policy and of every client and role attribute in the realm. */
    static long smallestPossibleCap(KeycloakSession s, RealmModel realm) {
        BastionPolicy policy = BastionPolicy.from(realm);
        long floor = Math.min(policy.sessionMaxSeconds(), Math.min(policy.sessionRememberMeMaxSeconds(), policy.sessionOfflineMaxSeconds()));
        long roles = Stream.concat(realm.getRolesStream(), realm.getClientsStream().flatMap(c -> c.getRolesStream()))
                .map(r -> SessionCaps.parse(r.getFirstAttribute(SessionCaps.ATTRIBUTE)))
                .filter(o -> o.isPresent())
                .mapToLong(o -> o.getAsInt())
                .min().orElse(Long.MAX_VALUE);
        return Math.min(floor, roles);
    }
}
