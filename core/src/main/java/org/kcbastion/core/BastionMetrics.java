package org.kcbastion.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;

import java.util.List;

/**
 * Bastion's counters on Micrometer's global registry, which Keycloak exports at {@code /metrics} when built with
 * {@code --metrics-enabled=true} (a no-op otherwise). Every counter carries a {@code realm} tag (the realm's name; empty
 * for the sweeper's failures, which are not one realm's); other tags take values from small fixed sets only, never
 * user ids. {@link #registerRealm} creates every series of a realm at zero, so {@code rate()} and {@code increase()}
 * have a start and alerts need no {@code absent()}.
 */
public final class BastionMetrics {

    static final List<String> REVOCATION_TRIGGERS = List.of("reset_password", "credentials_set", "credential_removed",
            "credential_disabled", "admin_request");
    static final List<String> CAP_SOURCES = List.of("realm", "remember_me", "offline", "impersonation", "client", "role");
    static final List<String> RATE_SCOPES = List.of("admin", "ip", "target", "step_up");
    static final List<String> PHASES = List.of("started", "denied", "ended");
    /** {@code granted}: password and second factor verified on the step-up page or grant; {@code sign_in}: a sign-in counted. */
    public static final List<String> STEP_UP_OUTCOMES = List.of("granted", "sign_in", "invalid", "no_second_factor", "locked",
            "rate_limited");
    static final List<String> MAIL_RECIPIENTS = List.of("user", "security_contact");
    /** The CAEP events Bastion hands to Keycloak's Shared Signals transmitter. */
    static final List<String> SSF_EVENTS = List.of("session_revoked", "credential_change");

    private BastionMetrics() {
    }

    /** Every series of {@code realm} at zero (idempotent). Called at startup for each realm and when one is created. */
    public static void registerRealm(String realm) {
        for (String trigger : REVOCATION_TRIGGERS) {
            for (String kind : List.of("online", "offline")) revoked(realm, trigger, kind);
        }
        for (String source : CAP_SOURCES) {
            reached(realm, source);
            wouldEnd(realm, source);
        }
        for (String scope : RATE_SCOPES) rateLimitedCounter(realm, scope);
        for (String phase : PHASES) impersonationCounter(realm, phase);
        for (String outcome : STEP_UP_OUTCOMES) stepUpCounter(realm, outcome);
        backchannelFailures(realm);
        for (String recipient : MAIL_RECIPIENTS) mailFailures(realm, recipient);
        for (String event : SSF_EVENTS) ssfQueued(realm, event);
        ssfFailures(realm);
        guard(realm, "impersonate", "allowed");
        guard(realm, "update_policy", "allowed");
    }

    /** The realm-less series (sweeper failures) at zero. */
    public static void registerServer() {
        sweepFailures();
    }

    /** {@code bastion_sessions_revoked_total{realm,trigger,kind}}; kind is {@code online} or {@code offline}. */
    public static void sessionsRevoked(String realm, String trigger, String kind, int count) {
        if (count > 0) revoked(realm, trigger, kind).increment(count);
    }

    /** {@code bastion_rate_limited_total{realm,scope}}; scope is {@code admin}, {@code ip}, {@code target} or {@code step_up}. */
    public static void rateLimited(String realm, String scope) {
        rateLimitedCounter(realm, scope).increment();
    }

    /** {@code bastion_session_limit_reached_total{realm,source}}; source is the cap's kind ({@code client}, not {@code client:app}). */
    public static void sessionLimitReached(String realm, String capSource) {
        reached(realm, kind(capSource)).increment();
    }

    /** {@code bastion_session_limit_would_end_total{realm,source}}: report mode, sessions past their cap left alive (each once). */
    public static void sessionLimitWouldEnd(String realm, String capSource) {
        wouldEnd(realm, kind(capSource)).increment();
    }

    /** {@code bastion_guard_decisions_total{realm,action,outcome}}; outcome is {@code allowed} or the guard's error code. */
    public static void guardDecision(String realm, String action, String outcome) {
        guard(realm, action, outcome).increment();
    }

    /** {@code bastion_impersonations_total{realm,phase}}; phase is {@code started}, {@code denied} or {@code ended}. */
    public static void impersonation(String realm, String phase) {
        impersonationCounter(realm, phase).increment();
    }

    /** {@code bastion_step_up_total{realm,outcome}}; outcome is one of {@link #STEP_UP_OUTCOMES}. */
    public static void stepUp(String realm, String outcome) {
        stepUpCounter(realm, outcome).increment();
    }

    /** {@code bastion_backchannel_failures_total{realm}}: back-channel logout deliveries that failed (or could not be signed). */
    public static void backchannelFailed(String realm, int count) {
        if (count > 0) backchannelFailures(realm).increment(count);
    }

    /** {@code bastion_mail_failures_total{realm,recipient}}: alert and notice emails that could not be sent. */
    public static void mailFailed(String realm, String recipient) {
        mailFailures(realm, recipient).increment();
    }

    /**
     * {@code bastion_ssf_sets_total{realm,event}}: Security Event Tokens Bastion queued in Keycloak's transmitter
     * ({@code session_revoked}, {@code credential_change}); their delivery is counted by the transmitter's own
     * {@code keycloak_ssf_*} metrics.
     */
    public static void ssfQueued(String realm, String event, int count) {
        if (count > 0) ssfQueued(realm, event).increment(count);
    }

    /** {@code bastion_ssf_failures_total{realm}}: revocations whose events could not be handed to the transmitter. */
    public static void ssfFailed(String realm) {
        ssfFailures(realm).increment();
    }

    /** {@code bastion_sweep_failures_total{realm=""}}: session-limit sweeps that failed (the next interval retries). */
    public static void sweepFailed() {
        sweepFailures().increment();
    }

    private static String kind(String capSource) {
        int colon = capSource.indexOf(':');
        return colon < 0 ? capSource : capSource.substring(0, colon);
    }

    private static Counter revoked(String realm, String trigger, String kind) {
        return Counter.builder("bastion.sessions.revoked").description("User sessions Bastion revoked")
                .tag("realm", realm).tag("trigger", trigger).tag("kind", kind).register(Metrics.globalRegistry);
    }

    private static Counter rateLimitedCounter(String realm, String scope) {
        return Counter.builder("bastion.rate.limited").description("Requests Bastion refused because a rate limit was exhausted")
                .tag("realm", realm).tag("scope", scope).register(Metrics.globalRegistry);
    }

    private static Counter reached(String realm, String source) {
        return Counter.builder("bastion.session.limit.reached").description("Sessions Bastion ended at their absolute deadline")
                .tag("realm", realm).tag("source", source).register(Metrics.globalRegistry);
    }

    private static Counter wouldEnd(String realm, String source) {
        return Counter.builder("bastion.session.limit.would.end")
                .description("Sessions past their absolute deadline that report mode left alive")
                .tag("realm", realm).tag("source", source).register(Metrics.globalRegistry);
    }

    private static Counter guard(String realm, String action, String outcome) {
        return Counter.builder("bastion.guard.decisions").description("Decisions of Bastion's privileged-action guard")
                .tag("realm", realm).tag("action", action).tag("outcome", outcome).register(Metrics.globalRegistry);
    }

    private static Counter impersonationCounter(String realm, String phase) {
        return Counter.builder("bastion.impersonations").description("Impersonations seen by Bastion, by phase")
                .tag("realm", realm).tag("phase", phase).register(Metrics.globalRegistry);
    }

    private static Counter stepUpCounter(String realm, String outcome) {
        return Counter.builder("bastion.step.up").description("Step-ups and step-up attempts, by outcome")
                .tag("realm", realm).tag("outcome", outcome).register(Metrics.globalRegistry);
    }

    private static Counter backchannelFailures(String realm) {
        return Counter.builder("bastion.backchannel.failures").description("Back-channel logout deliveries that failed")
                .tag("realm", realm).register(Metrics.globalRegistry);
    }

    private static Counter mailFailures(String realm, String recipient) {
        return Counter.builder("bastion.mail.failures").description("Alert and notice emails Bastion could not send")
                .tag("realm", realm).tag("recipient", recipient).register(Metrics.globalRegistry);
    }

    private static Counter ssfQueued(String realm, String event) {
        return Counter.builder("bastion.ssf.sets").description("Shared Signals events Bastion queued in Keycloak's transmitter")
                .tag("realm", realm).tag("event", event).register(Metrics.globalRegistry);
    }

    private static Counter ssfFailures(String realm) {
        return Counter.builder("bastion.ssf.failures").description("Revocations whose Shared Signals events could not be queued")
                .tag("realm", realm).register(Metrics.globalRegistry);
    }

    private static Counter sweepFailures() {
        return Counter.builder("bastion.sweep.failures").description("Session-limit sweeps that failed")
                .tag("realm", "").register(Metrics.globalRegistry);
    }
}
