package org.kcbastion.sessionlimits;

import org.jboss.logging.Logger;
import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.cache.CacheRealmProvider;
import org.keycloak.models.cache.CachedRealmModel;
import org.keycloak.utils.KeycloakSessionUtil;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A realm's role caps by role id (realm and client roles), read in one statement and kept beside Keycloak's cached
 * realm ({@link CachedRealmModel#getCachedWith}), so a token request learns a held role's cap from one small map
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

    /** After a failed read, how long token requests read the caps off the roles before the index is tried again. */
    static final int RETRY_SECONDS = 60;
    private static final String CACHE_KEY = "bastion.roleCapIndex";
    private static final Logger LOG = Logger.getLogger(RoleCapIndex.class);

    /** Null when the caps could not be read at {@code readAt}. */
    private final Map<String, Integer> capsByRoleId;
    private final long readAt;

    private RoleCapIndex(Map<String, Integer> capsByRoleId, long readAt) {
        this.capsByRoleId = capsByRoleId;
        this.readAt = readAt;
    }

    /**
     * The cached realm's index, read when absent; null when the realm is not a cached one or the caps cannot be read
     * (the caller reads the roles' attributes instead).
     */
    static RoleCapIndex of(RealmModel realm) {
        if (!(realm instanceof CachedRealmModel cachedRealm)) return null;
        ConcurrentHashMap<Object, Object> cachedWith = cachedRealm.getCachedWith();
        if (cachedWith.get(CACHE_KEY) instanceof RoleCapIndex known) {
            if (known.capsByRoleId != null) return known;
            long sinceFailure = Time.currentTime() - known.readAt;
            if (sinceFailure >= 0 && sinceFailure < RETRY_SECONDS) return null;
        }
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        if (session == null) return null;
        RoleCapIndex read;
        try {
            read = read(SweepCandidates.roleCaps(session, realm));
        } catch (RuntimeException e) {
            // Tried again after RETRY_SECONDS, not on every token request (nor a warning each time).
            LOG.warnf("Bastion: cannot read the role caps of realm %s in one statement; reading them off each role for %d s: %s",
                    realm.getName(), RETRY_SECONDS, e.toString());
            read = new RoleCapIndex(null, Time.currentTime());
        }
        cachedWith.put(CACHE_KEY, read);
        return read.capsByRoleId == null ? null : read;
    }

    /** An index of {@code caps} (role id to enforced cap in seconds, as {@link SweepCandidates#roleCaps} reads them). */
    static RoleCapIndex read(Map<String, Long> caps) {
        Map<String, Integer> byRole = new HashMap<>();
        caps.forEach((role, cap) -> byRole.put(role, cap.intValue()));
        return new RoleCapIndex(Map.copyOf(byRole), 0);
    }

    boolean isEmpty() {
        return capsByRoleId.isEmpty();
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
        if (!changed && realm instanceof CachedRealmModel cachedRealm
                && cachedRealm.getCachedWith().get(CACHE_KEY) instanceof RoleCapIndex cached && cached.capsByRoleId != null) {
            changed = !cached.capsByRoleId.equals(read(current).capsByRoleId);
        }
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
