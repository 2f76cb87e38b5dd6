package org.kcbastion.sessionlimits;

import org.kcbastion.core.OperationalInfo;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.keycloak.services.clientpolicy.ClientPolicyManager;
import org.keycloak.services.clientpolicy.DefaultClientPolicyManagerFactory;

import java.util.Map;

/**
 * Keycloak's client-policy manager plus one thing: every token response it is told about (code, password, client
 * credentials, implicit and hybrid, device, CIBA) gets its access and ID token clamped to the session's deadline.
 * Keycloak hands each of those responses to this manager whatever the realm's client policies say, so the clamp does
 * not depend on anything a realm admin can remove (a protocol mapper could be). Refreshes are clamped by
 * {@link SessionLimitRefreshTokenProvider}. Chosen ahead of Keycloak's manager because of its higher {@link #order()}.
 */
public final class TokenDeadlineClientPolicyManagerFactory extends DefaultClientPolicyManagerFactory
        implements ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "bastion-token-deadline";

    @Override
    public ClientPolicyManager create(KeycloakSession session) {
        return new TokenDeadlineClientPolicyManager(session);
    }

    @Override
    public int order() {
        return 10;
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return OperationalInfo.of(Map.of("order", String.valueOf(order()), "delegate", "default"));
    }
}
