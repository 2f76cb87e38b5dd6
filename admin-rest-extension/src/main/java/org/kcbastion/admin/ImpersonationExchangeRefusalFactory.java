package org.kcbastion.admin;

import org.kcbastion.core.StatelessFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.TokenExchangeProvider;
import org.keycloak.protocol.oidc.TokenExchangeProviderFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import java.util.Map;

/** Registers {@link ImpersonationExchangeRefusal} ahead of Keycloak's exchange providers (standard v2 has order 10). */
public final class ImpersonationExchangeRefusalFactory
        implements TokenExchangeProviderFactory, StatelessFactory<TokenExchangeProvider>, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "bastion-impersonation-exchange-refusal";
    static final int ORDER = 1000;

    @Override
    public TokenExchangeProvider create(KeycloakSession session) {
        return new ImpersonationExchangeRefusal();
    }

    @Override
    public int order() {
        return ORDER;
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return Map.of("order", Integer.toString(ORDER), "refuses", "token exchange with requested_subject (403 access_denied)");
    }
}
