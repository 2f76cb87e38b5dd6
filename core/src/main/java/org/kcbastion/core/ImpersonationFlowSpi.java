package org.kcbastion.core;

import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.Spi;

/** Registers {@code bastion-impersonation}: Bastion's own, not meant to be replaced. */
public final class ImpersonationFlowSpi implements Spi {

    public static final String NAME = "bastion-impersonation";

    @Override
    public boolean isInternal() {
        return true;
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public Class<? extends Provider> getProviderClass() {
        return ImpersonationFlow.class;
    }

    @Override
    public Class<? extends ProviderFactory> getProviderFactoryClass() {
        return ImpersonationFlowFactory.class;
    }
}
