package org.kcbastion.core;

import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.Provider;

import java.util.Optional;

/**
 * Whether this server's Infinispan caches are clustered ({@code --cache=ispn}, Keycloak's production default) or
 * local ({@code start-dev}, {@code --cache=local}). Reached by reflection for the reason {@link InfinispanRateSlots}
 * gives; empty when it cannot be told (remote-only caches, classes absent), which callers treat as clustered.
 */
public final class EmbeddedCaches {

    private static final String PROVIDER = "org.keycloak.connections.infinispan.InfinispanConnectionProvider";

    private EmbeddedCaches() {
    }

    public static Optional<Boolean> clustered(KeycloakSession session) {
        try {
            ClassLoader loader = KeycloakSession.class.getClassLoader();
            Class<? extends Provider> type = Class.forName(PROVIDER, true, loader).asSubclass(Provider.class);
            Provider provider = session.getProvider(type);
            if (provider == null) return Optional.empty();
            Object cache = type.getMethod("getCache", String.class).invoke(provider, "work");
            if (cache == null) return Optional.empty();
            Object manager = Class.forName("org.infinispan.Cache", true, loader).getMethod("getCacheManager").invoke(cache);
            Object global = Class.forName("org.infinispan.manager.EmbeddedCacheManager", true, loader)
                    .getMethod("getCacheManagerConfiguration").invoke(manager);
            return Optional.of((Boolean) global.getClass().getMethod("isClustered").invoke(global));
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return Optional.empty();
        }
    }
}
