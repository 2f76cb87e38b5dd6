package org.kcbastion.sessionlimits;

import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.cache.CacheRealmProvider;

import java.util.HashMap;
import java.util.Map;

/**
 * A realm's role caps by role id (realm and client roles), read in one statement and kept beside Keycloak's cached
 * realm ({@link RealmLimits}), so a token request learns a held role's cap from one small map
 * instead of reading each held role's attributes, which nothing else on a refresh reads (JFR under refresh load: the
 * largest share of Bastion's own samples in sessions 14 and 16).
 * <p>
 * Current because:
 * <ul>
 *   <li>every admin API write that can set a role's attributes (create or update a role, partial import) drops the
 *   cached realm on every node in the write's own transaction ({@link RoleCapWriteBinding}), so the next token request
 *   reads the caps afresh;</li>
 *   <li>any other realm change drops it too (Keycloak's realm invalidation);</li>
 *   <li>a cap written some other way (another extension through Keycloak's Java API, which raises no event) is found by
 *   the sweeper, which reads every realm's caps from the database each interval and drops the cached realm where they
 *   differ ({@link #reconcile}).</li>
 * </ul>
 * So a token request issues no statement for it, except the one read after each invalidation. The roles a user holds
 * are not in the index: Keycloak resolves them per request, so a role granted or removed applies at the next refresh
 * as before. Where the realm is not cached (a request that changes it, or the realm cache turned off) the caps are
 * read off the roles as before.
 */
final class RoleCapIndex {

    private static final Logger LOG = Logger.getLogger(RoleCapIndex.class);

    private final Map<String, Integer> capsByRoleId;
    /** The smallest cap of the realm's roles, 0 when none has one: a held role with it ends the search. */
    private final int smallest;

    private RoleCapIndex(Map<String, Integer> capsByRoleId) {
        this.capsByRoleId = capsByRoleId;
        this.smallest = capsByRoleId.values().stream().mapToInt(Integer::intValue).filter(c -> c > 0).min().orElse(0);
    }

    /**
     * The realm's index read from the database; null when it cannot be read (the caller reads the roles' attributes
     * instead, and {@link RealmLimits} tries again later).
     */
    static RoleCapIndex load(KeycloakSession session, RealmModel realm) {
        try {
            return read(SweepCandidates.roleCaps(session, realm));
        } catch (RuntimeException e) {
            LOG.warnf("Bastion: cannot read the role caps of realm %s in one statement; reading them off each role for %d s: %s",
                    realm.getName(), RealmLimits.RETRY_SECONDS, e.toString());
            return null;
        }
    }

    /** An index of {@code caps} (role id to enforced cap in seconds, as {@link SweepCandidates#roleCaps} reads them). */
    static RoleCapIndex read(Map<String, Long> caps) {
        Map<String, Integer> byRole = new HashMap<>();
        caps.forEach((role, cap) -> byRole.put(role, cap.intValue()));
        return new RoleCapIndex(Map.copyOf(byRole));
    }

    boolean isEmpty() {
        return capsByRoleId.isEmpty();
    }

    /** The smallest cap any role of the realm has; 0 when none has one. */
    int smallest() {
        return smallest;
    }

    /** The role's cap in seconds; 0 when it has none. */
    int cap(String roleId) {
        Integer cap = capsByRoleId.get(roleId);
        return cap == null ? 0 : cap;
    }

    /**
     * For the sweeper, with the realm's caps it has just read from the database: drops the realm's cached copy on
     * every node when this node's index holds other caps, or when the caps changed since this node's previous sweep
     * ({@code previous}, null on its first), since another node may have cached them before the change. True when it did.
     */
    static boolean reconcile(KeycloakSession session, RealmModel realm, Map<String, Long> current, Map<String, Long> previous) {
        boolean changed = previous != null && !previous.equals(current);
        RoleCapIndex cached = RealmLimits.cachedRoleCaps(realm);
        if (!changed && cached != null) changed = !cached.capsByRoleId.equals(read(current).capsByRoleId);
        if (changed) invalidate(session, realm);
        return changed;
    }

    /**
     * Drops {@code realm}'s cached copy on every node when the current transaction commits, and with it the index.
     * Keycloak's own role cache is dropped the same way when a role changes; this is the realm-wide counterpart.
     */
    static void invalidate(KeycloakSession session, RealmModel realm) {
        CacheRealmProvider cache = session.getProvider(CacheRealmProvider.class);
        if (cache != null) cache.registerRealmInvalidation(realm.getId(), realm.getName());
    }
}
