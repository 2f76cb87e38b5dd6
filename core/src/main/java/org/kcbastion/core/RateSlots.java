package org.kcbastion.core;

import org.keycloak.models.KeycloakSession;
import org.keycloak.models.SingleUseObjectProvider;

/**
 * Where rate-limit slots live: Keycloak's {@code actionTokens} cache, distributed over the cluster with two owners
 * per key. Taking a slot is one conditional write that exactly one caller wins.
 */
public interface RateSlots {

    /** Takes {@code key} for {@code lifespanSeconds}; true for the one caller that took it. */
    boolean take(String key, long lifespanSeconds);

    boolean held(String key);

    void giveBack(String key);

    /** The embedded Infinispan cache when Keycloak runs one (always, unless its caches are remote-only), else the SPI. */
    static RateSlots of(KeycloakSession session) {
        return InfinispanRateSlots.of(session).orElseGet(() -> singleUse(session.singleUseObjects()));
    }

    /**
     * Through Keycloak's SPI. Its {@code putIfAbsent} stores the same value for every caller; if a node leaves while
     * the write is in flight, Infinispan retries it and counts an equal existing value as its own write, so two callers
     * can both win one slot. Used only where no embedded cache exists, and by unit tests.
     */
    static RateSlots singleUse(SingleUseObjectProvider store) {
        return new RateSlots() {
            @Override
            public boolean take(String key, long lifespanSeconds) {
                return store.putIfAbsent(key, lifespanSeconds);
            }

            @Override
            public boolean held(String key) {
                return store.contains(key);
            }

            @Override
            public void giveBack(String key) {
                store.remove(key);
            }
        };
    }
}
