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
            for (String kind : List.of("online", "offline")) Series.REVOKED.of(realm, trigger, kind);
        }
        for (String source : CAP_SOURCES) {
            Series.REACHED.of(realm, source);
            Series.WOULD_END.of(realm, source);
        }
        for (String scope : RATE_SCOPES) Series.RATE_LIMITED.of(realm, scope);
        for (String phase : PHASES) Series.IMPERSONATIONS.of(realm, phase);
        for (String outcome : STEP_UP_OUTCOMES) Series.STEP_UP.of(realm, outcome);
        Series.BACKCHANNEL_FAILURES.of(realm);
        for (String recipient : MAIL_RECIPIENTS) Series.MAIL_FAILURES.of(realm, recipient);
        for (String event : SSF_EVENTS) Series.SSF_SETS.of(realm, event);
        Series.SSF_FAILURES.of(realm);
        Series.GUARD.of(realm, "impersonate", "allowed");
        Series.GUARD.of(realm, "update_policy", "allowed");
    }

    /** The realm-less series (sweeper failures) at zero. */
    public static void registerServer() {
        Series.SWEEP_FAILURES.of("");
    }

    /** {@code bastion_sessions_revoked_total{realm,trigger,kind}}; kind is {@code online} or {@code offline}. */
    public static void sessionsRevoked(String realm, String trigger, String kind, int count) {
        if (count > 0) Series.REVOKED.of(realm, trigger, kind).increment(count);
    }

    /** {@code bastion_rate_limited_total{realm,scope}}; scope is {@code admin}, {@code ip}, {@code target} or {@code step_up}. */
    public static void rateLimited(String realm, String scope) {
        Series.RATE_LIMITED.of(realm, scope).increment();
    }

    /** {@code bastion_session_limit_reached_total{realm,source}}; source is the cap's kind ({@code client}, not {@code client:app}). */
    public static void sessionLimitReached(String realm, String capSource) {
        Series.REACHED.of(realm, kind(capSource)).increment();
    }

    /** {@code bastion_session_limit_would_end_total{realm,source}}: report mode, sessions past their cap left alive (each once). */
    public static void sessionLimitWouldEnd(String realm, String capSource) {
        Series.WOULD_END.of(realm, kind(capSource)).increment();
    }

    /** {@code bastion_guard_decisions_total{realm,action,outcome}}; outcome is {@code allowed} or the guard's error code. */
    public static void guardDecision(String realm, String action, String outcome) {
        Series.GUARD.of(realm, action, outcome).increment();
    }

    /** {@code bastion_impersonations_total{realm,phase}}; phase is {@code started}, {@code denied} or {@code ended}. */
    public static void impersonation(String realm, String phase) {
        Series.IMPERSONATIONS.of(realm, phase).increment();
    }

    /** {@code bastion_step_up_total{realm,outcome}}; outcome is one of {@link #STEP_UP_OUTCOMES}. */
    public static void stepUp(String realm, String outcome) {
        Series.STEP_UP.of(realm, outcome).increment();
    }

    /** {@code bastion_backchannel_failures_total{realm}}: back-channel logout deliveries that failed (or could not be signed). */
    public static void backchannelFailed(String realm, int count) {
        if (count > 0) Series.BACKCHANNEL_FAILURES.of(realm).increment(count);
    }

    /** {@code bastion_mail_failures_total{realm,recipient}}: alert and notice emails that could not be sent. */
    public static void mailFailed(String realm, String recipient) {
        Series.MAIL_FAILURES.of(realm, recipient).increment();
    }

    /**
     * {@code bastion_ssf_sets_total{realm,event}}: Security Event Tokens Bastion queued in Keycloak's transmitter
     * ({@code session_revoked}, {@code credential_change}); their delivery is counted by the transmitter's own
     * {@code keycloak_ssf_*} metrics.
     */
    public static void ssfQueued(String realm, String event, int count) {
        if (count > 0) Series.SSF_SETS.of(realm, event).increment(count);
    }

    /** {@code bastion_ssf_failures_total{realm}}: revocations whose events could not be handed to the transmitter. */
    public static void ssfFailed(String realm) {
        Series.SSF_FAILURES.of(realm).increment();
    }

    /** {@code bastion_sweep_failures_total{realm=""}}: session-limit sweeps that failed (the next interval retries). */
    public static void sweepFailed() {
        Series.SWEEP_FAILURES.of("").increment();
    }

    private static String kind(String capSource) {
        int colon = capSource.indexOf(':');
        return colon < 0 ? capSource : capSource.substring(0, colon);
    }

    /** Each counter's name, help text and tag names (realm first): the one place a series is defined. */
    private enum Series {
        REVOKED("bastion.sessions.revoked", "User sessions Bastion revoked", "trigger", "kind"),
        RATE_LIMITED("bastion.rate.limited", "Requests Bastion refused because a rate limit was exhausted", "scope"),
        REACHED("bastion.session.limit.reached", "Sessions Bastion ended at their absolute deadline", "source"),
        WOULD_END("bastion.session.limit.would.end", "Sessions past their absolute deadline that report mode left alive", "source"),
        GUARD("bastion.guard.decisions", "Decisions of Bastion's privileged-action guard", "action", "outcome"),
        IMPERSONATIONS("bastion.impersonations", "Impersonations seen by Bastion, by phase", "phase"),
        STEP_UP("bastion.step.up", "Step-ups and step-up attempts, by outcome", "outcome"),
        BACKCHANNEL_FAILURES("bastion.backchannel.failures", "Back-channel logout deliveries that failed"),
        MAIL_FAILURES("bastion.mail.failures", "Alert and notice emails Bastion could not send", "recipient"),
        SSF_SETS("bastion.ssf.sets", "Shared Signals events Bastion queued in Keycloak's transmitter", "event"),
        SSF_FAILURES("bastion.ssf.failures", "Revocations whose Shared Signals events could not be queued"),
        SWEEP_FAILURES("bastion.sweep.failures", "Session-limit sweeps that failed");

        private final String name;
        private final String description;
        private final List<String> tags;

        Series(String name, String description, String... tags) {
            this.name = name;
            this.description = description;
            this.tags = List.of(tags);
        }

        /** The series of {@code realm} with these tag values (in the order of the tag names); registered on first use. */
        Counter of(String realm, String... values) {
            if (values.length != tags.size()) throw new IllegalArgumentException(name + " takes tags " + tags);
            Counter.Builder builder = Counter.builder(name).description(description).tag("realm", realm);
            for (int i = 0; i < values.length; i++) builder.tag(tags.get(i), values[i]);
            return builder.register(Metrics.globalRegistry);
        }
    }
}
