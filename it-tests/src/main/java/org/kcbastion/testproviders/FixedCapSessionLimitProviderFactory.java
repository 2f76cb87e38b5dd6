package org.kcbastion.testproviders;

import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.kcbastion.core.StatelessFactory;
import org.kcbastion.sessionlimits.SessionDeadline;
import org.kcbastion.sessionlimits.SessionLimitProvider;
import org.kcbastion.sessionlimits.SessionLimitProviderFactory;

/**
 * TEST ONLY, never shipped: a third party's session-limit policy, as docs/features.md › "Replacing the policy" tells
 * one to write it. Every session ends {@code bastion-test.fixedCapSeconds} (a realm attribute, read per request) after
 * it began; without the attribute it has no deadline of its own. Order 0 and an id other than {@code default}, so only
 * a server started with {@code --spi-bastion-session-limit--provider=bastion-test-fixed-cap} uses it.
 */
public final class FixedCapSessionLimitProviderFactory implements SessionLimitProviderFactory, StatelessFactory<SessionLimitProvider> {

    public static final String PROVIDER_ID = "bastion-test-fixed-cap";
    public static final String ATTRIBUTE = "bastion-test.fixedCapSeconds";
    private static final long NONE = 10L * 365 * 24 * 3600;

    @Override
    public SessionLimitProvider create(KeycloakSession session) {
        return FixedCapSessionLimitProviderFactory::deadline;
    }

    private static SessionDeadline deadline(RealmModel realm, UserSessionModel session, ClientModel client) {
        String value = realm.getAttribute(ATTRIBUTE);
        long cap = value == null ? NONE : Long.parseLong(value);
        return new SessionDeadline(session.getStarted() + cap, cap, "test-fixed");
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
