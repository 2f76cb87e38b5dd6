package org.kcbastion.sessionlimits;

import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.Digests;
import org.kcbastion.core.MemorySingleUseStore;
import org.kcbastion.core.RateLimit;
import org.kcbastion.core.RateLimiter;
import org.kcbastion.core.RateSlots;
import org.kcbastion.core.Reasons;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * Bastion's own work per operation, without Keycloak around it: what a refresh adds (reading the policy from realm
 * attributes and computing the deadline with client and role caps), a digest, the guard's reason check and one
 * rate-limiter decision against an in-memory store with the same putIfAbsent contract. Keycloak's cache and network
 * costs are not in these numbers; docs/benchmarks.md sets them against a whole refresh.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HotPathBenchmark {

    /** The cluster store's contract (atomic putIfAbsent, remove, contains) in memory. */
    Map<String, String> attributes;
    SessionCaps.Facts facts;
    BastionPolicy policy;
    Digests digests;
    static final long NOW = 1_800_000_000L;

    /** A fresh store per invocation, so every measured attempt is a granted one; only this benchmark pays for it. */
    @State(Scope.Thread)
    public static class Limiter {
        MemorySingleUseStore store;
        RateLimiter limiter;
        List<RateLimiter.Bucket> buckets;

        @Setup(Level.Trial)
        public void setUp() {
            store = new MemorySingleUseStore();
            limiter = new RateLimiter(RateSlots.singleUse(store),
                    new Digests("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII)));
            buckets = List.of(new RateLimiter.Bucket("admin", "realm/admin", RateLimit.parse("5/15m")),
                    new RateLimiter.Bucket("ip", "realm/203.0.113.9", RateLimit.parse("20/15m")),
                    new RateLimiter.Bucket("target", "realm/user", RateLimit.parse("3/1h")));
        }

        @Setup(Level.Invocation)
        public void emptyStore() {
            store.entries().clear();
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        attributes = Map.of("bastion.session.maxSeconds", "28800", "bastion.session.offlineMaxSeconds", "2592000",
                "bastion.rateLimit.impersonation", "admin=5/15m,ip=20/15m,target=3/1h", "bastion.securityContact", "soc@example.org");
        facts = SessionCaps.Facts.withRoleCaps(NOW - 3600, false, false, false, Optional.of("web-app"), OptionalInt.of(14400),
                Map.of("finance", 7200, "auditor", 3600, "support", 10800));
        policy = BastionPolicy.read(attributes::get);
        digests = new Digests("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    }

    /** What every refresh adds: the lifetimes from realm attributes, then the deadline with client and role caps. */
    @Benchmark
    public SessionDeadline refreshDeadline() {
        return SessionCaps.deadline(BastionPolicy.Lifetimes.read(attributes::get), facts);
    }

    @Benchmark
    public SessionDeadline deadlineOnly() {
        return SessionCaps.deadline(policy, facts);
    }

    @Benchmark
    public BastionPolicy policyRead() {
        return BastionPolicy.read(attributes::get);
    }

    @Benchmark
    public String sessionDigest() {
        return digests.hmac("f3c1a8e2-4b6d-4f0e-9c7a-2d5b8e1f6a90");
    }

    @Benchmark
    public boolean reasonCheck() {
        return Reasons.valid("INC-4711 customer cannot see invoices");
    }

    /** One granted impersonation attempt: a permit from each of the three scopes (first free slot each). */
    @Benchmark
    public RateLimiter.Outcome rateLimitGranted(Limiter l) {
        return l.limiter.acquire(NOW, l.buckets);
    }
}
