package org.kcbastion.core;

import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.Provider;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Slots written straight into Keycloak's embedded {@code actionTokens} cache, every take with a value of its own. A
 * conditional write that Infinispan retries because a node left mid-write (non-transactional cache) counts an equal
 * existing value as its own earlier write; with the SPI's one shared value two callers could both win a slot, and
 * ClusterIT saw 7 of 5 permits granted while node b was killed in a burst. With a value per take a retry wins only
 * its own write.
 *
 * <p>Reached by reflection: Keycloak's {@code keycloak-model-infinispan} is not on Maven Central (its parent POM is
 * missing), so Bastion cannot compile against it. Two public types are used: the connection provider's
 * {@code getCache(String)} and the cache entry type Keycloak's own single-use provider stores.
 */
final class InfinispanRateSlots implements RateSlots {

    private static final String PROVIDER = "org.keycloak.connections.infinispan.InfinispanConnectionProvider";
    private static final String ENTRY = "org.keycloak.models.sessions.infinispan.entities.SingleUseObjectValueEntity";
    private static final String BASIC_CACHE = "org.infinispan.commons.api.BasicCache";
    private static final String CACHE_NAME = "actionTokens";
    static final String FALLBACK_WARNING = "Bastion: no embedded actionTokens cache";
    private static final Logger LOG = Logger.getLogger(InfinispanRateSlots.class);

    /** Looked up once per JVM; empty where the classes are absent (remote-only caches). */
    private static final Optional<Handles> HANDLES = Handles.find();

    private record Handles(Class<? extends Provider> providerType, MethodHandle getCache, MethodHandle putIfAbsent,
                           MethodHandle newEntry) {
        static Optional<Handles> find() {
            try {
                ClassLoader loader = KeycloakSession.class.getClassLoader();
                Class<? extends Provider> provider = Class.forName(PROVIDER, true, loader).asSubclass(Provider.class);
                Class<?> basicCache = Class.forName(BASIC_CACHE, true, loader);
                Class<?> entry = Class.forName(ENTRY, true, loader);
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                return Optional.of(new Handles(provider,
                        lookup.findVirtual(provider, "getCache",
                                MethodType.methodType(Class.forName("org.infinispan.Cache", true, loader), String.class)),
                        lookup.findVirtual(basicCache, "putIfAbsent",
                                MethodType.methodType(Object.class, Object.class, Object.class, long.class, TimeUnit.class)),
                        lookup.findConstructor(entry, MethodType.methodType(void.class, Map.class))));
            } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
                LOG.warnf("%s (%s); rate-limit slots go through Keycloak's single-use SPI, whose shared value lets a write"
                        + " retried after a node crash win a taken slot", FALLBACK_WARNING, e.toString());
                return Optional.empty();
            }
        }
    }

    private final Handles handles;
    private final Map<Object, Object> cache;

    private InfinispanRateSlots(Handles handles, Map<Object, Object> cache) {
        this.handles = handles;
        this.cache = cache;
    }

    @SuppressWarnings("unchecked")
    static Optional<RateSlots> of(KeycloakSession session) {
        if (HANDLES.isEmpty()) return Optional.empty();
        Handles h = HANDLES.get();
        Provider provider = session.getProvider(h.providerType());
        if (provider == null) {
            LOG.debugf("%s in this session; using the single-use SPI", FALLBACK_WARNING);
            return Optional.empty();
        }
        try {
            Object cache = h.getCache().invoke(provider, CACHE_NAME);
            return cache instanceof Map<?, ?> map ? Optional.of(new InfinispanRateSlots(h, (Map<Object, Object>) map)) : Optional.empty();
        } catch (Throwable e) {
            LOG.warnf("%s: %s; using the single-use SPI", FALLBACK_WARNING, e.toString());
            return Optional.empty();
        }
    }

    @Override
    public boolean take(String key, long lifespanSeconds) {
        try {
            Object mine = handles.newEntry().invoke(Map.of("bastion.take", UUID.randomUUID().toString()));
            return handles.putIfAbsent().invoke(cache, key, mine, lifespanSeconds, TimeUnit.SECONDS) == null;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("Bastion: rate-limit slot write failed", e);
        }
    }

    @Override
    public boolean held(String key) {
        return cache.containsKey(key);
    }

    @Override
    public void giveBack(String key) {
        cache.remove(key);
    }
}
