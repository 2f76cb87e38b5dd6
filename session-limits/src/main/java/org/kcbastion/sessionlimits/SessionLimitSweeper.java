package org.kcbastion.sessionlimits;

import jakarta.persistence.PersistenceException;
import org.jboss.logging.Logger;
import org.kcbastion.core.BastionKeys;
import org.kcbastion.core.BastionMetrics;
import org.kcbastion.core.Digests;
import org.kcbastion.core.ImpersonatedUsers;
import org.kcbastion.core.Impersonations;
import org.kcbastion.core.RealmJobs;
import org.keycloak.cluster.ClusterProvider;
import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.ModelException;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.KeycloakModelUtils;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ends sessions past their deadline with no traffic needed, so userinfo, introspection and the admin console agree
 * with the refresh path. Runs once per cluster per interval (Keycloak's {@link ClusterProvider} lock). Only
 * candidates are read ({@link SweepCandidates}: sessions older than the smallest cap that could apply, and those of
 * users with a recorded impersonation), so a sweep costs what it may end, not what the realm holds; they are then
 * loaded, judged and ended in small transactions of their own.
 */
final class SessionLimitSweeper implements Runnable {

    static final String TASK_NAME = "bastion-session-limit-sweeper";
    private static final Logger LOG = Logger.getLogger(SessionLimitSweeper.class);
    private static final int END_BATCH = 100;

    private final KeycloakSessionFactory factory;
    private final int intervalSeconds;
    /** The role caps by realm this node's previous sweep read (timer thread only); null before its first. */
    private Map<String, Map<String, Long>> previousRoleCaps;

    SessionLimitSweeper(KeycloakSessionFactory factory, int intervalSeconds) {
        this.factory = factory;
        this.intervalSeconds = intervalSeconds;
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
        Map<String, Map<String, Long>> roleCaps = new HashMap<>();
        KeycloakModelUtils.runJobInTransaction(factory, s -> {
            s.realms().getRealmsStream().forEach(r -> realmIds.add(r.getId()));
            roleCaps.putAll(SweepCandidates.roleCaps(s));
        });
        Map<String, Set<String>> impersonated = impersonatedUsers();
        forgetDeletedRealms(impersonated.keySet(), realmIds);
        Counts counts = new Counts();
        for (String realmId : realmIds) {
            long now = Time.currentTime();
            List<SweepCandidates.Candidate> candidates = new ArrayList<>();
            Map<String, Long> realmCaps = roleCaps.getOrDefault(realmId, Map.of());
            Map<String, Long> previous = previousRoleCaps == null ? null : previousRoleCaps.getOrDefault(realmId, Map.of());
            RealmJobs.inRealm(factory, realmId, (s, realm) -> {
                if (RoleCapIndex.reconcile(s, realm, realmCaps, previous)) {
                    LOG.debugf("Bastion session-limit sweep: role caps of realm %s changed, its cached caps dropped", realm.getName());
                }
                candidates.addAll(SweepCandidates.find(s, realm, now, realmCaps,
                        impersonatedStill(s, realm, impersonated.getOrDefault(realmId, Set.of()), now)));
            });
            counts.read += candidates.size();
            for (int i = 0; i < candidates.size(); i += END_BATCH) {
                List<SweepCandidates.Candidate> batch = candidates.subList(i, Math.min(candidates.size(), i + END_BATCH));
                RealmJobs.inRealm(factory, realmId, (s, realm) -> batch.forEach(c -> judge(s, realm, c, counts)));
            }
        }
        previousRoleCaps = roleCaps;
        LOG.debugf("Bastion session-limit sweep: read %d sessions, judged %d, ended %d in %d ms", counts.read, counts.judged,
                counts.ended, (System.nanoTime() - startedAt) / 1_000_000);
    }

    /** For the debug line the sweep benchmark reads: candidates read, sessions loaded, sessions ended or reported. */
    private static final class Counts {
        long read;
        long judged;
        long ended;
    }

    /**
     * Ends the candidate if it is past its deadline (or, in report mode, reports it once), or if it is an impersonation
     * whose admin left. Loaded and ended in the same transaction.
     */
    private static void judge(KeycloakSession s, RealmModel realm, SweepCandidates.Candidate c, Counts counts) {
        UserSessionModel us = SweepCandidates.load(s, realm, c);
        if (us == null) return;
        counts.judged++;
        long now = Time.currentTime();
        SessionDeadline d = SessionLimitEnforcer.provider(s).deadline(realm, us, null);
        if (d.passed(now)) {
            if (d.enforced()) SessionLimitEnforcer.end(s, realm, us, d, "sweeper");
            else if (us.getNote(SessionLimitEnforcer.NOTE_REPORTED) == null) SessionLimitEnforcer.report(s, realm, us, d, "sweeper");
            else return;
            counts.ended++;
        } else if (adminSessionEnded(s, us)) {
            Impersonations.end(s, realm, us, Impersonations.END_ADMIN_SESSION, Map.of());
            counts.ended++;
        }
    }

    /**
     * Users with a recorded impersonation, by realm. In a transaction of its own, so that a missing table (a manual
     * migration not yet applied) costs only impersonations that are younger than every cap, not the sweep.
     */
    private Map<String, Set<String>> impersonatedUsers() {
        try {
            Map<String, Set<String>> users = new HashMap<>();
            KeycloakModelUtils.runJobInTransaction(factory, s -> users.putAll(ImpersonatedUsers.byRealm(s)));
            return users;
        } catch (PersistenceException | ModelException e) {
            LOG.warnf("Bastion session-limit sweep: cannot read the recorded impersonations: %s", e.toString());
            return Map.of();
        }
    }

    /**
     * Forgets the recorded impersonations of realms deleted since (no statement when there are none). Rows younger than
     * a minute stay: their realm may have been created after this sweep listed the realms.
     */
    private void forgetDeletedRealms(Set<String> recordedRealmIds, List<String> realmIds) {
        Set<String> existing = new HashSet<>(realmIds);
        List<String> gone = recordedRealmIds.stream().filter(id -> !existing.contains(id)).toList();
        if (gone.isEmpty()) return;
        long before = Time.currentTime() - 60;
        try {
            KeycloakModelUtils.runJobInTransaction(factory, s -> gone.forEach(realmId -> LOG.debugf(
                    "Bastion session-limit sweep: forgot %d recorded impersonations of deleted realm %s",
                    ImpersonatedUsers.forgetRealm(s, realmId, before), realmId)));
        } catch (PersistenceException | ModelException e) {
            LOG.warnf("Bastion session-limit sweep: cannot forget the recorded impersonations of deleted realms: %s", e.toString());
        }
    }

    /**
     * The recorded users who still hold an impersonation session; the others' rows are forgotten (those older than a
     * minute only: an impersonation may be starting on another node right now).
     */
    private static List<UserModel> impersonatedStill(KeycloakSession s, RealmModel realm, Set<String> userIds, long now) {
        List<UserModel> holders = new ArrayList<>();
        for (String userId : userIds) {
            UserModel user = s.users().getUserById(realm, userId);
            if (user != null && SweepCandidates.impersonations(s, realm, user).findAny().isPresent()) holders.add(user);
            else ImpersonatedUsers.forget(s, realm.getId(), userId, now - 60);
        }
        return holders;
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
}
