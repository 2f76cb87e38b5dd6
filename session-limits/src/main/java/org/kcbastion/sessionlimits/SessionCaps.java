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
     * What is known about one session; {@code clientCap} and {@code roleCaps} hold only valid values. For a session
     * born from an impersonation (the impersonation's own, or an offline session created through it),
     * {@code impersonationStarted} is when the impersonation began and {@code impersonationExpires} the end it was
     * given then (0 when unknown: the session's own start counts).
     */
    record Facts(long started, boolean offline, boolean rememberMe, boolean impersonation,
                 Optional<String> clientId, OptionalInt clientCap, Map<String, Integer> roleCaps,
                 long impersonationStarted, long impersonationExpires) {

        Facts(long started, boolean offline, boolean rememberMe, boolean impersonation,
                Optional<String> clientId, OptionalInt clientCap, Map<String, Integer> roleCaps) {
            this(started, offline, rememberMe, impersonation, clientId, clientCap, roleCaps, 0, 0);
        }
    }

    static SessionDeadline deadline(BastionPolicy policy, Facts facts) {
        return deadline(policy.lifetimes(), facts);
    }

    static SessionDeadline deadline(BastionPolicy.Lifetimes lifetimes, Facts facts) {
        long cap;
        String source;
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
        if (facts.clientCap().isPresent() && facts.clientCap().getAsInt() < cap) {
            cap = facts.clientCap().getAsInt();
            source = "client:" + facts.clientId().orElse("?");
        }
        for (Map.Entry<String, Integer> role : facts.roleCaps().entrySet()) {
            if (role.getValue() < cap) {
                cap = role.getValue();
                source = "role:" + role.getKey();
            }
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
        return new SessionDeadline(deadline, cap, source, !lifetimes.reportOnly());
    }

    /**
     * A client or role cap as enforced: unset is no cap; out of range or not a number, the strict side
     * ({@link BastionPolicy#effectiveCapSeconds}).
     */
    static OptionalInt parse(String value) {
        return BastionPolicy.effectiveCapSeconds(value);
    }
}
