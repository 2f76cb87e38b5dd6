package org.kcbastion.events;

import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.Spi;

/** Registers {@code bastion-credential-change}: Bastion's own, not meant to be replaced. */
public final class CredentialChangeFlowSpi implements Spi {

    public static final String NAME = "bastion-credential-change";

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
        return CredentialChangeFlow.class;
    }

    @Override
    public Class<? extends ProviderFactory> getProviderFactoryClass() {
        return CredentialChangeFlowFactory.class;
    }
}
