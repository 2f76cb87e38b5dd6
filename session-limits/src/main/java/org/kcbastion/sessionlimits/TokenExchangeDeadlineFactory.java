package org.kcbastion.sessionlimits;

import org.kcbastion.core.OperationalInfo;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.token.TokenPostProcessor;
import org.keycloak.protocol.oidc.token.TokenPostProcessorFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import java.util.Map;

/** See {@link TokenExchangeDeadline}: the absolute deadline on tokens issued by token exchange. */
public final class TokenExchangeDeadlineFactory implements TokenPostProcessorFactory, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "bastion-token-exchange-deadline";

    @Override
    public TokenPostProcessor create(KeycloakSession session) {
        return new TokenExchangeDeadline(session);
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return OperationalInfo.of(Map.of("grant", "urn:ietf:params:oauth:grant-type:token-exchange"));
    }
}
