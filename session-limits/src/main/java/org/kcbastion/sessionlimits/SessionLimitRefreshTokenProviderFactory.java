package org.kcbastion.sessionlimits;

import org.kcbastion.core.OperationalInfo;
import org.kcbastion.core.StatelessFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.refresh.RefreshTokenProvider;
import org.keycloak.protocol.oidc.refresh.RefreshTokenProviderFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import java.util.Map;

/**
 * Keycloak's default refresh-token handling plus the absolute deadline: chosen ahead of the built-in provider
 * because of its higher {@link #order()}.
 */
public final class SessionLimitRefreshTokenProviderFactory
        implements RefreshTokenProviderFactory, StatelessFactory<RefreshTokenProvider>, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "bastion-session-limit";

    @Override
    public RefreshTokenProvider create(KeycloakSession session) {
        return new SessionLimitRefreshTokenProvider(session);
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
        return OperationalInfo.of(Map.of("order", String.valueOf(order())));
    }
}
