package org.kcbastion.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Fixed-window rate limits that hold across a cluster. A limit of N per window is N slot keys per window in Keycloak's
 * distributed {@code actionTokens} cache ({@link RateSlots}): taking a permit is an atomic, cluster-wide
 * {@code putIfAbsent} on the first free slot, so of any number of concurrent callers on any nodes exactly N succeed in
 * a window (at most N while a node dies: a permit taken by an attempt that died with its node stays taken). Slots
 * expire with their window. Keys are HMAC digests: no user id or address is stored.
 */
public final class RateLimiter {

    /** One limit to take a permit from: {@code scope} names it in errors and metrics, {@code subject} is what is counted. */
    public record Bucket(String scope, String subject, RateLimit limit) {
    }

    /** Granted, or refused by {@code scope} with the seconds until its window ends. */
    public record Outcome(boolean granted, String scope, long retryAfterSeconds) {
        static final Outcome GRANTED = new Outcome(true, null, 0);
    }

    private final RateSlots slots;
    private final Digests digests;

    public RateLimiter(RateSlots slots, Digests digests) {
        this.slots = slots;
        this.digests = digests;
    }

    /**
     * Takes one permit from every bucket, or none: when a later bucket is exhausted, the permits already taken are given
     * back, so a refused attempt costs nothing.
     */
    public Outcome acquire(long nowSeconds, List<Bucket> buckets) {
        List<String> taken = new ArrayList<>();
        for (Bucket bucket : buckets) {
            String slot = takeSlot(nowSeconds, bucket);
            if (slot == null) {
                taken.forEach(slots::giveBack);
                return new Outcome(false, bucket.scope(), secondsLeftInWindow(nowSeconds, bucket.limit()));
            }
            taken.add(slot);
        }
        return Outcome.GRANTED;
    }

    /** Whether a permit is left in {@code bucket}, without taking it. */
    public boolean available(long nowSeconds, Bucket bucket) {
        for (int n = 0; n < bucket.limit().permits(); n++) {
            if (!slots.held(slotKey(nowSeconds, bucket, n))) return true;
        }
        return false;
    }

    public static long secondsLeftInWindow(long nowSeconds, RateLimit limit) {
        long window = limit.window().toSeconds();
        return window - Math.floorMod(nowSeconds, window);
    }

    private String takeSlot(long nowSeconds, Bucket bucket) {
        long lifespan = secondsLeftInWindow(nowSeconds, bucket.limit()) + 1;
        for (int n = 0; n < bucket.limit().permits(); n++) {
            String key = slotKey(nowSeconds, bucket, n);
            if (slots.take(key, lifespan)) return key;
        }
        return null;
    }

    private String slotKey(long nowSeconds, Bucket bucket, int n) {
        long window = bucket.limit().window().toSeconds();
        // The window length is part of the key, so a changed policy starts counting in fresh slots.
        return "bastion.rl." + digests.hmac(bucket.scope() + "\u0000" + bucket.subject()) + "." + window + "."
                + Math.floorDiv(nowSeconds, window) + "." + n;
    }
}
