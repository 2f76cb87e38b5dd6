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

    /** {@code bastion_session_limit_reached_total{source}}; source is the cap's kind ({@code client}, not {@code client:app}). */
    public static void sessionLimitReached(String capSource) {
        int colon = capSource.indexOf(':');
        Counter.builder("bastion.session.limit.reached")
                .description("Sessions Bastion ended at their absolute deadline")
                .tag("source", colon < 0 ? capSource : capSource.substring(0, colon))
                .register(Metrics.globalRegistry)
                .increment();
    }

    /** {@code bastion_session_limit_would_end_total{source}}: report mode, sessions past their cap left alive (each once). */
    public static void sessionLimitWouldEnd(String capSource) {
        int colon = capSource.indexOf(':');
        Counter.builder("bastion.session.limit.would.end")
                .description("Sessions past their absolute deadline that report mode left alive")
                .tag("source", colon < 0 ? capSource : capSource.substring(0, colon))
                .register(Metrics.globalRegistry)
                .increment();
    }

    /** {@code bastion_guard_decisions_total{action,outcome}}; outcome is {@code allowed} or the guard's error code. */
    public static void guardDecision(String action, String outcome) {
        Counter.builder("bastion.guard.decisions")
                .description("Decisions of Bastion's privileged-action guard")
                .tag("action", action)
                .tag("outcome", outcome)
                .register(Metrics.globalRegistry)
                .increment();
    }

    /** {@code bastion_impersonations_total{phase}}; phase is {@code started}, {@code denied} or {@code ended}. */
    public static void impersonation(String phase) {
        Counter.builder("bastion.impersonations")
                .description("Impersonations seen by Bastion, by phase")
                .tag("phase", phase)
                .register(Metrics.globalRegistry)
                .increment();
    }
}
