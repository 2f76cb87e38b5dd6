package org.kcbastion.core;

import org.keycloak.models.SingleUseObjectProvider;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keycloak's single-use object store in memory, with the same atomic {@code putIfAbsent} (lifespans are not modelled):
 * what the rate limiter's unit tests and the hot-path benchmarks (core's test jar) run against.
 */
public final class MemorySingleUseStore implements SingleUseObjectProvider {

    private final Map<String, Long> entries = new ConcurrentHashMap<>();

    /** Key to lifespan of every entry. */
    public Map<String, Long> entries() {
        return entries;
    }

    @Override
    public boolean putIfAbsent(String key, long lifespanInSeconds) {
        return entries.putIfAbsent(key, lifespanInSeconds) == null;
    }

    @Override
    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    @Override
    public Map<String, String> remove(String key) {
        return entries.remove(key) == null ? null : Map.of();
    }

    @Override
    public void put(String key, long lifespanSeconds, Map<String, String> notes) {
        entries.put(key, lifespanSeconds);
    }

    @Override
    public Map<String, String> get(String key) {
        return entries.containsKey(key) ? Map.of() : null;
    }

    @Override
    public boolean replace(String key, Map<String, String> notes) {
        return entries.containsKey(key);
    }

    @Override
    public void close() {
    }
}
