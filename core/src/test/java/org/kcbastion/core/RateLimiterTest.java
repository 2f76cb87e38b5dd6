package org.kcbastion.core;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The slot logic against an in-memory store with the same atomic putIfAbsent; the cluster-wide run is ImpersonationIT. */
class RateLimiterTest {

    static final Digests DIGESTS = new Digests("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    static final long NOW = 1_800_000_000L;

    @Test
    void ofManyConcurrentCallersExactlyNPass() throws Exception {
        MemorySingleUseStore store = new MemorySingleUseStore();
        RateLimiter limiter = new RateLimiter(RateSlots.singleUse(store), DIGESTS);
        RateLimiter.Bucket bucket = new RateLimiter.Bucket("admin", "realm/admin-1", RateLimit.parse("5/15m"));
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger granted = new AtomicInteger();
        List<Future<?>> futures = new java.util.ArrayList<>();
        for (int i = 0; i < 64; i++) {
            futures.add(pool.submit(() -> {
                go.await();
                if (limiter.acquire(NOW, List.of(bucket)).granted()) granted.incrementAndGet();
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : futures) f.get(10, TimeUnit.SECONDS);
        pool.shutdown();
        assertThat(granted.get()).isEqualTo(5);
        assertThat(limiter.available(NOW, bucket)).isFalse();
    }

    @Test
    void aRefusalGivesBackWhatItTookAndNamesTheScope() {
        MemorySingleUseStore store = new MemorySingleUseStore();
        RateLimiter limiter = new RateLimiter(RateSlots.singleUse(store), DIGESTS);
        RateLimiter.Bucket admin = new RateLimiter.Bucket("admin", "r/a", RateLimit.parse("5/15m"));
        RateLimiter.Bucket target = new RateLimiter.Bucket("target", "r/t", RateLimit.parse("1/1h"));
        assertThat(limiter.acquire(NOW, List.of(admin, target)).granted()).isTrue();
        RateLimiter.Outcome refused = limiter.acquire(NOW, List.of(admin, target));
        assertThat(refused.granted()).isFalse();
        assertThat(refused.scope()).isEqualTo("target");
        assertThat(refused.retryAfterSeconds()).isBetween(1L, 3600L);
        assertThat(store.entries()).as("only the first attempt's two permits remain").hasSize(2);
    }

    @Test
    void aNewWindowStartsAfreshAndKeysHoldNoSubject() {
        MemorySingleUseStore store = new MemorySingleUseStore();
        RateLimiter limiter = new RateLimiter(RateSlots.singleUse(store), DIGESTS);
        RateLimiter.Bucket bucket = new RateLimiter.Bucket("ip", "realm/203.0.113.7", RateLimit.parse("1/1m"));
        long windowStart = NOW - Math.floorMod(NOW, 60);
        assertThat(limiter.acquire(windowStart, List.of(bucket)).granted()).isTrue();
        assertThat(limiter.acquire(windowStart + 59, List.of(bucket)).granted()).isFalse();
        assertThat(RateLimiter.secondsLeftInWindow(windowStart + 59, bucket.limit())).isEqualTo(1);
        assertThat(limiter.acquire(windowStart + 60, List.of(bucket)).granted()).isTrue();
        assertThat(store.entries().keySet()).allSatisfy(k -> assertThat(k).doesNotContain("203.0.113.7").startsWith("bastion.rl."));
    }
}
