package org.kcbastion.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;

/**
 * Bastion's counters on Micrometer's global registry, which Keycloak exports at {@code /metrics} when started with
 * {@code --metrics-enabled=true} (a no-op otherwise). Tags take values from small fixed sets only: never user ids.
 */
public final class BastionMetrics {

    private BastionMetrics() {
    }

    /** {@code bastion_sessions_revoked_total{trigger,kind}}; kind is {@code online} or {@code offline}. */
    public static void sessionsRevoked(String trigger, String kind, int count) {
        if (count <= 0) return;
        Counter.builder("bastion.sessions.revoked")
                .description("User sessions Bastion revoked")
                .tag("trigger", trigger)
                .tag("kind", kind)
                .register(Metrics.globalRegistry)
                .increment(count);
    }

    /** {@code bastion_rate_limited_total{scope}}; scope is {@code admin}, {@code ip}, {@code target} or {@code step_up}. */
    public static void rateLimited(String scope) {
        Counter.builder("bastion.rate.limited")
                .description("Requests Bastion refused because a rate limit was exhausted")
                .tag("scope", scope)
                .register(Metrics.globalRegistry)
                .increment();
    }
}
