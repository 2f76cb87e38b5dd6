package org.kcbastion.sessionlimits;

import org.jboss.logging.Logger;
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
    /** Above Keycloak's own provider (0); OID4VCI's has 10 too ({@link RefreshTokenChain}). */
    static final int ORDER = 10;
    private static final Logger LOG = Logger.getLogger(SessionLimitRefreshTokenProviderFactory.class);

    /**
     * The session-limit provider, when it is Bastion's own (stateless, one instance for the server): a refresh then
     * skips the provider lookup by class, which JFR showed as the largest of Bastion's remaining costs on a refresh.
     * Null when another provider is chosen; each refresh then looks it up. Set once at boot.
     */
    private SessionLimitProvider limits;
    private String limitsProvider = DefaultSessionLimitProviderFactory.PROVIDER_ID;
    /** Other refresh-token providers Keycloak may ask before this one ({@link RefreshTokenChain}), for the operational info. */
    private String aheadOrTied = "none";

    @Override
    public RefreshTokenProvider create(KeycloakSession session) {
        return new SessionLimitRefreshTokenProvider(session, limits);
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        RefreshTokenChain chain = RefreshTokenChain.of(factory);
        aheadOrTied = chain.describe();
        if (!chain.aheadOrTied().isEmpty()) {
            // OID4VCI's provider (experimental feature oid4vc-vci) has Bastion's order: Keycloak's tie-break is undefined.
            LOG.warnf("Bastion: refresh-token provider(s) %s %s. %s.", aheadOrTied, RefreshTokenChain.CONSEQUENCE,
                    RefreshTokenChain.REMEDY);
        }
        var chosen = factory.getProviderFactory(SessionLimitProvider.class);
        if (chosen == null) {
            LOG.warnf("Bastion: %s. %s.", RefreshTokenChain.NO_SESSION_LIMIT_PROVIDER, RefreshTokenChain.NO_SESSION_LIMIT_PROVIDER_REMEDY);
            limits = DefaultSessionLimitProvider.WHEN_NONE_ENABLED;
            limitsProvider = "none enabled: Bastion's default policy, no sweeper";
            return;
        }
        limits = chosen instanceof DefaultSessionLimitProviderFactory own ? own.shared() : null;
        limitsProvider = chosen.getId();
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
        return OperationalInfo.of(Map.of("order", String.valueOf(order()), "providers-ahead-or-tied", aheadOrTied,
                "session-limit-provider", limits == null ? limitsProvider + " (looked up per refresh)" : limitsProvider));
    }
}
