package org.kcbastion.sessionlimits;

import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.Spi;

/** Registers {@code bastion-session-limit}; public (not internal), so third parties may implement it. */
public final class SessionLimitSpi implements Spi {

    public static final String NAME = "bastion-session-limit";

    @Override
    public boolean isInternal() {
        return false;
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public Class<? extends Provider> getProviderClass() {
        return SessionLimitProvider.class;
    }

    @Override
    public Class<? extends ProviderFactory> getProviderFactoryClass() {
        return SessionLimitProviderFactory.class;
    }
}
