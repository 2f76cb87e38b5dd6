package org.kcbastion.sessionlimits;

import org.kcbastion.core.OperationalInfo;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.token.TokenPostProcessor;
import org.keycloak.protocol.oidc.token.TokenPostProcessorFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import java.util.Map;

/** See {@link TokenResponseDeadline}: the absolute deadline on tokens of token exchange and the JWT authorization grant. */
public final class TokenResponseDeadlineFactory implements TokenPostProcessorFactory, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "bastion-token-response-deadline";

    private final TokenResponseDeadline processor = new TokenResponseDeadline();

    @Override
    public TokenPostProcessor create(KeycloakSession session) {
        return processor;
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return OperationalInfo.of(Map.of("grants", String.join(" ", new java.util.TreeSet<>(TokenResponseDeadline.GRANTS))));
    }
}
