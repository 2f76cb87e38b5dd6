package org.kcbastion.sessionlimits;

import org.kcbastion.core.BastionPolicy;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The default policy: the smallest of every cap that applies to a session, measured from its start. Pure logic, so
 * the decision is unit-tested apart from Keycloak.
 */
final class SessionCaps {

    static final String ATTRIBUTE = BastionPolicy.CAP_ATTRIBUTE;

    private SessionCaps() {
    }

    /**
     * What is known about one session. {@code clientCap} and {@code roleCap} are valid caps, 0 when there is none;
     * {@code cappingRole} names the role whose cap is {@code roleCap} (the smallest the session's roles carry). For a
     * session born from an impersonation (the impersonation's own, or an offline session created through it),
     * {@code impersonationStarted} is when the impersonation began and {@code impersonationExpires} the end it was
     * given then (0 when unknown: the session's own start counts). Plain values, no optional or map: every token
     * request builds one.
     */
    record Facts(long started, boolean offline, boolean rememberMe, boolean impersonation,
                 String clientId, int clientCap, String cappingRole, int roleCap,
                 long impersonationStarted, long impersonationExpires) {

        /** With every role cap by role name (0 or less: none): the smallest is kept (the first one met among equals). */
        static Facts withRoleCaps(long started, boolean offline, boolean rememberMe, boolean impersonation,
                                  Optional<String> clientId, OptionalInt clientCap, Map<String, Integer> roleCaps) {
            Map.Entry<String, Integer> smallest = null;
            for (Map.Entry<String, Integer> e : roleCaps.entrySet()) {
                if (e.getValue() > 0 && (smallest == null || e.getValue() < smallest.getValue())) smallest = e;
            }
            return new Facts(started, offline, rememberMe, impersonation, clientId.orElse(null), clientCap.orElse(0),
                    smallest == null ? null : smallest.getKey(), smallest == null ? 0 : smallest.getValue(), 0, 0);
        }
    }

    /**
     * The cap a session has before its roles count: its kind's lifetime, or its client's cap when smaller. A role cap
     * counts only below it ({@link #deadline}), so where no role of the realm has a smaller one, its roles need no look.
     */
    static long capBeforeRoles(BastionPolicy.Lifetimes lifetimes, boolean offline, boolean rememberMe, int clientCap) {
        long cap = offline ? lifetimes.offlineMaxSeconds()
                : rememberMe ? lifetimes.rememberMeMaxSeconds() : lifetimes.sessionMaxSeconds();
        return clientCap > 0 && clientCap < cap ? clientCap : cap;
    }

    static SessionDeadline deadline(BastionPolicy policy, Facts facts) {
        return deadline(policy.lifetimes(), facts);
    }

    static SessionDeadline deadline(BastionPolicy.Lifetimes lifetimes, Facts facts) {
        long cap;
        String source;
        String name = null;
        if (facts.offline()) {
            cap = lifetimes.offlineMaxSeconds();
            source = "offline";
        } else if (facts.rememberMe()) {
            cap = lifetimes.rememberMeMaxSeconds();
            source = "remember_me";
        } else {
            cap = lifetimes.sessionMaxSeconds();
            source = "realm";
        }
        if (facts.clientCap() > 0 && facts.clientCap() < cap) {
            cap = facts.clientCap();
            source = "client";
            name = facts.clientId() == null ? "?" : facts.clientId();
        }
        if (facts.cappingRole() != null && facts.roleCap() > 0 && facts.roleCap() < cap) {
            cap = facts.roleCap();
            source = "role";
            name = facts.cappingRole();
        }
        long deadline = facts.started() + cap;
        if (facts.impersonation()) {
            // An impersonation ends at its start plus the smaller of its lifetime then and now, whichever session
            // (online, or offline created later through it) carries it: lowering the lifetime reaches it, raising never.
            long began = facts.impersonationStarted() > 0 ? facts.impersonationStarted() : facts.started();
            long end = began + lifetimes.impersonationMaxSeconds();
            if (facts.impersonationExpires() > 0) end = Math.min(end, facts.impersonationExpires());
            if (end < deadline) return new SessionDeadline(end, end - began, "impersonation");
        }
        return new SessionDeadline(deadline, cap, source, name, !lifetimes.reportOnly());
    }

    /**
     * A client or role cap as enforced: unset is no cap; out of range or not a number, the strict side
     * ({@link BastionPolicy#effectiveCapSeconds}).
     */
    static OptionalInt parse(String value) {
        return BastionPolicy.effectiveCapSeconds(value);
    }
}
