package org.kcbastion.sessionlimits;

import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;
import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.Impersonations;
import org.keycloak.common.Profile;
import org.keycloak.connections.jpa.JpaConnectionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The sessions of a realm that may be past their deadline, found without reading the others: those older than the
 * smallest cap that could apply to them, and every session of a user with a recorded impersonation.
 * <p>
 * With persistent user sessions (Keycloak 26's default) every session has a row in {@code OFFLINE_USER_SESSION},
 * and Keycloak's own index {@code IDX_USER_SESSION_EXPIRATION_CREATED} ({@code REALM_ID, OFFLINE_FLAG, REMEMBER_ME,
 * CREATED_ON, ...}) answers "older than" for each kind of session with a range scan: one query per realm, one
 * branch per kind, each with its own floor (realm, remember-me or offline lifetime), so a long remember-me cap does
 * not drag every short session in and the reverse. A role cap shorter than those lowers the floor for its holders'
 * sessions only ({@link RoleCapHolders}; a second query by user, on Keycloak's index of sessions by user), or
 * realm-wide where the holders cannot be told apart. Sessions whose client or role caps are larger are then judged
 * one by one: that is the cost of a candidate that is not yet due. With persistent sessions off, online sessions live
 * only in Infinispan and are streamed and filtered by age, with the smallest role cap realm-wide (documented);
 * offline ones still come from the index.
 */
final class SweepCandidates {

    /** One session to judge. */
    record Candidate(String id, boolean offline) {
    }

    /**
     * Per sweep and realm, oldest first, so one sweep's memory stays bounded. Beyond it, sessions wait for a sweep in
     * which fewer older candidates remain, or end on their next refresh as always (documented).
     */
    static final int MAX_PER_REALM = 100_000;

    private static final String OFFLINE_OLDER_THAN = "SELECT s.userSessionId, s.offline FROM PersistentUserSessionEntity s"
            + " WHERE s.realmId = :realmId AND ((s.offline = '1' AND s.rememberMe = false AND s.createdOn <= :offline)"
            + " OR (s.offline = '1' AND s.rememberMe = true AND s.createdOn <= :offline)"
            + " OR (s.offline = '1' AND s.rememberMe IS NULL AND s.createdOn <= :offline)";
    private static final String OLDER_THAN = OFFLINE_OLDER_THAN
            + " OR (s.offline = '0' AND s.rememberMe = false AND s.createdOn <= :session)"
            + " OR (s.offline = '0' AND s.rememberMe = true AND s.createdOn <= :rememberMe)"
            + " OR (s.offline = '0' AND s.rememberMe IS NULL AND s.createdOn <= :unknown))";
    /** When a realm has more candidates than one sweep takes, the most overdue come first. */
    private static final String OLDEST_FIRST = " ORDER BY s.createdOn";
    private static final String ROLE_CAPS = "SELECT r.realmId, r.id, a.value FROM RoleAttributeEntity a JOIN a.role r WHERE a.name = :name";
    private static final String REALM_ROLE_CAPS = ROLE_CAPS + " AND r.realmId = :realmId";
    private static final String HOLDERS_OLDER_THAN = "SELECT s.userSessionId, s.offline FROM PersistentUserSessionEntity s"
            + " WHERE s.realmId = :realmId AND s.userId IN :users AND s.createdOn <= :bound";
    private static final Logger LOG = Logger.getLogger(SweepCandidates.class);

    private SweepCandidates() {
    }

    /** The age floors of one realm: a session younger than its kind's floor cannot be past a cap. */
    record Floors(long session, long rememberMe, long offline) {

        static Floors of(BastionPolicy.Lifetimes lifetimes, long roleFloor) {
            return new Floors(Math.min(lifetimes.sessionMaxSeconds(), roleFloor),
                    Math.min(lifetimes.rememberMeMaxSeconds(), roleFloor), Math.min(lifetimes.offlineMaxSeconds(), roleFloor));
        }

        long online(boolean rememberMe) {
            return rememberMe ? rememberMe() : session();
        }

        long longest() {
            return Math.max(session, Math.max(rememberMe, offline));
        }
    }

    /**
     * Every role cap, by realm and role id (realm and client roles), read in one statement: the cached realm would
     * load every client and its roles to answer the same.
     */
    static Map<String, Map<String, Long>> roleCaps(KeycloakSession s) {
        return roleCaps(s.getProvider(JpaConnectionProvider.class).getEntityManager()
                .createQuery(ROLE_CAPS, Object[].class).setParameter("name", SessionCaps.ATTRIBUTE).getResultList());
    }

    /** The role caps of one realm, by role id. */
    static Map<String, Long> roleCaps(KeycloakSession s, RealmModel realm) {
        return roleCaps(s.getProvider(JpaConnectionProvider.class).getEntityManager()
                .createQuery(REALM_ROLE_CAPS, Object[].class).setParameter("name", SessionCaps.ATTRIBUTE)
                .setParameter("realmId", realm.getId()).getResultList()).getOrDefault(realm.getId(), Map.of());
    }

    private static Map<String, Map<String, Long>> roleCaps(List<Object[]> rows) {
        Map<String, Map<String, Long>> caps = new HashMap<>();
        for (Object[] row : rows) {
            SessionCaps.parse((String) row[2]).ifPresent(cap -> caps.computeIfAbsent((String) row[0], k -> new HashMap<>())
                    .merge((String) row[1], (long) cap, Math::min));
        }
        return caps;
    }

    /**
     * Candidates older than their floor, then the impersonation sessions of {@code impersonatedUsers}; no duplicates.
     * {@code roleCaps}: the realm's role caps by role id ({@link #roleCaps}).
     */
    static List<Candidate> find(KeycloakSession s, RealmModel realm, long now, Map<String, Long> roleCaps,
            Collection<UserModel> impersonatedUsers) {
        BastionPolicy.Lifetimes lifetimes = BastionPolicy.Lifetimes.from(realm);
        Floors realmFloors = Floors.of(lifetimes, Long.MAX_VALUE);
        // Only a role cap below one of the realm's lifetimes can make a session due earlier.
        Map<String, Long> shorter = new HashMap<>();
        roleCaps.forEach((role, cap) -> {
            if (cap < realmFloors.longest()) shorter.put(role, cap);
        });
        long roleFloor = shorter.values().stream().min(Long::compare).orElse(Long.MAX_VALUE);
        RoleCapHolders holders = shorter.isEmpty() ? null : RoleCapHolders.of(s, realm, shorter.keySet());
        boolean holdersOnly = holders != null && !holders.realmWide();
        Floors floors = holdersOnly ? realmFloors : Floors.of(lifetimes, roleFloor);

        Set<Candidate> found = new LinkedHashSet<>();
        boolean persistent = Profile.isFeatureEnabled(Profile.Feature.PERSISTENT_USER_SESSIONS);
        // Infinispan's sessions are streamed whole anyway: the role floor applies to all of them there.
        if (!persistent) streamOnline(s, realm, now, Floors.of(lifetimes, roleFloor), found);
        EntityManager em = s.getProvider(JpaConnectionProvider.class).getEntityManager();
        var query = em.createQuery((persistent ? OLDER_THAN : OFFLINE_OLDER_THAN + ")") + OLDEST_FIRST, Object[].class)
                .setParameter("realmId", realm.getId())
                .setParameter("offline", bound(now, floors.offline()))
                .setMaxResults(Math.max(0, MAX_PER_REALM - found.size()));
        if (persistent) {
            query.setParameter("session", bound(now, floors.session()))
                    .setParameter("rememberMe", bound(now, floors.rememberMe()))
                    .setParameter("unknown", bound(now, Math.min(floors.session(), floors.rememberMe())));
        }
        query.getResultList().forEach(row -> found.add(new Candidate((String) row[0], "1".equals(row[1]))));
        int roleBound = bound(now, roleFloor);
        if (holdersOnly && roleBound >= 0) {
            for (List<String> users : RoleCapHolders.chunks(holders.userIds())) {
                if (found.size() >= MAX_PER_REALM) break;
                em.createQuery(HOLDERS_OLDER_THAN + (persistent ? "" : " AND s.offline = '1'") + OLDEST_FIRST, Object[].class)
                        .setParameter("realmId", realm.getId())
                        .setParameter("users", users)
                        .setParameter("bound", roleBound)
                        .setMaxResults(MAX_PER_REALM - found.size())
                        .getResultList().forEach(row -> found.add(new Candidate((String) row[0], "1".equals(row[1]))));
            }
        }
        for (UserModel user : impersonatedUsers) {
            impersonations(s, realm, user).forEach(us -> found.add(new Candidate(us.getId(), us.isOffline())));
        }
        LOG.debugf("Bastion session-limit sweep: realm %s: %d candidates; role caps below its lifetimes: %s", realm.getName(),
                found.size(), holders == null ? "none" : holdersOnly ? holders.userIds().size() + " holders"
                        : "realm-wide (" + holders.realmWideReason() + ")");
        return new ArrayList<>(found);
    }

    /** The user's impersonation sessions, online and offline (Keycloak copies the notes into an offline session). */
    static Stream<UserSessionModel> impersonations(KeycloakSession s, RealmModel realm, UserModel user) {
        return Stream.concat(s.sessions().getUserSessionsStream(realm, user), s.sessions().getOfflineUserSessionsStream(realm, user))
                .filter(Impersonations::isImpersonation);
    }

    /** The newest start a session of a kind may have to be a candidate: {@code -1} (none) when the floor is beyond the epoch. */
    static int bound(long now, long floor) {
        long newest = now - floor;
        return newest < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, newest);
    }

    /** Persistent sessions off: online sessions exist only in Infinispan, so they are streamed and filtered by age. */
    private static void streamOnline(KeycloakSession s, RealmModel realm, long now, Floors floors, Set<Candidate> found) {
        s.sessions().readOnlyStreamUserSessions(realm)
                .filter(us -> us.getStarted() + floors.online(us.isRememberMe()) <= now || Impersonations.isImpersonation(us))
                .limit(MAX_PER_REALM)
                .forEach(us -> found.add(new Candidate(us.getId(), false)));
    }

    /** The session a candidate names, or null when it ended meanwhile. */
    static UserSessionModel load(KeycloakSession s, RealmModel realm, Candidate c) {
        return c.offline() ? s.sessions().getOfflineUserSession(realm, c.id()) : s.sessions().getUserSession(realm, c.id());
    }
}
