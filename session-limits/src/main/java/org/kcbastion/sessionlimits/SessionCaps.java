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

    /** What is known about one session; {@code clientCap} and {@code roleCaps} hold only valid values. */
    record Facts(long started, boolean offline, boolean rememberMe, boolean impersonation,
                 Optional<String> clientId, OptionalInt clientCap, Map<String, Integer> roleCaps) {
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
        if (facts.impersonation() && lifetimes.impersonationMaxSeconds() < cap) {
            cap = lifetimes.impersonationMaxSeconds();
            source = "impersonation";
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
        return new SessionDeadline(facts.started() + cap, cap, source);
    }

    /** A client or role attribute value, if it is a whole number of seconds in range; anything else is ignored. */
    static OptionalInt parse(String value) {
        return BastionPolicy.parseCapSeconds(value);
    }
}
