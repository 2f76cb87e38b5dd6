package org.kcbastion.sessionlimits;

import org.kcbastion.core.BastionPolicy;
import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.cache.CachedRealmModel;
import org.keycloak.utils.KeycloakSessionUtil;

import java.util.concurrent.ConcurrentHashMap;

/**
 * What a token request needs of its realm's policy: the parsed lifetimes and the role caps ({@link RoleCapIndex}).
 * Both are read once per cached realm and kept beside it as one entry ({@link CachedRealmModel#getCachedWith}, as
 * Keycloak's own level-of-authentication map is), so a refresh finds both with one lookup. Keycloak drops the entry
 * with its cached realm whenever the realm changes, on every node; {@link RoleCapIndex} says how role-cap writes do so.
 *
 * @param roleCaps         null when the caps are read off each role: the realm is not a cached one, or the index could
 *                         not be read
 * @param roleCapsFailedAt when the index could not be read (epoch seconds); tried again {@link #RETRY_SECONDS} later
 */
record RealmLimits(BastionPolicy.Lifetimes lifetimes, RoleCapIndex roleCaps, long roleCapsFailedAt) {

    /** After a failed read of the role caps, how long token requests read them off the roles before trying again. */
    static final int RETRY_SECONDS = 60;
    private static final String CACHE_KEY = "bastion.realmLimits";

    /**
     * The cached realm's entry, read when absent. For requests that do not change the realm (token requests); a realm
     * that is not a cached one (a request that changed it, or the realm cache turned off) is read afresh, its role caps
     * off each role.
     */
    static RealmLimits of(RealmModel realm) {
        if (!(realm instanceof CachedRealmModel cachedRealm)) return new RealmLimits(BastionPolicy.Lifetimes.from(realm), null, 0);
        ConcurrentHashMap<Object, Object> cachedWith = cachedRealm.getCachedWith();
        if (cachedWith.get(CACHE_KEY) instanceof RealmLimits known && known.current()) return known;
        BastionPolicy.Lifetimes lifetimes = BastionPolicy.Lifetimes.from(realm);
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        if (session == null) return new RealmLimits(lifetimes, null, 0);
        RoleCapIndex roleCaps = RoleCapIndex.load(session, realm);
        RealmLimits read = new RealmLimits(lifetimes, roleCaps, roleCaps == null ? Time.currentTime() : 0);
        cachedWith.put(CACHE_KEY, read);
        return read;
    }

    /** The role caps this node keeps for {@code realm}; null when it keeps none (not cached, not read, or not readable). */
    static RoleCapIndex cachedRoleCaps(RealmModel realm) {
        return realm instanceof CachedRealmModel cachedRealm && cachedRealm.getCachedWith().get(CACHE_KEY) instanceof RealmLimits known
                ? known.roleCaps() : null;
    }

    /** False once a failed read of the role caps is due to be tried again; a failure is not retried on every request. */
    private boolean current() {
        if (roleCaps != null) return true;
        long sinceFailure = Time.currentTime() - roleCapsFailedAt;
        return sinceFailure >= 0 && sinceFailure < RETRY_SECONDS;
    }
}
