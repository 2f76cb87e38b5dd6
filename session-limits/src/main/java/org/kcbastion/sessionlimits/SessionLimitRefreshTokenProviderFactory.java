package org.kcbastion.sessionlimits;

import org.kcbastion.core.OperationalInfo;
import org.kcbastion.core.StatelessFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
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

    /**
     * The session-limit provider, when it is Bastion's own (stateless, one instance for the server): a refresh then
     * skips the provider lookup by class, which JFR showed as the largest of Bastion's remaining costs on a refresh.
     * Null when another provider is chosen; each refresh then looks it up. Set once at boot.
     */
    private SessionLimitProvider limits;
    private String limitsProvider = DefaultSessionLimitProviderFactory.PROVIDER_ID;

    @Override
    public RefreshTokenProvider create(KeycloakSession session) {
        return new SessionLimitRefreshTokenProvider(session, limits);
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        var chosen = factory.getProviderFactory(SessionLimitProvider.class);
        limits = chosen instanceof DefaultSessionLimitProviderFactory own ? own.shared() : null;
        limitsProvider = chosen == null ? "none" : chosen.getId();
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
        return OperationalInfo.of(Map.of("order", String.valueOf(order()),
                "session-limit-provider", limits == null ? limitsProvider + " (looked up per refresh)" : limitsProvider));
    }
}
