package org.kcbastion.core;

import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.Spi;

/** An SPI of Bastion's own, not meant to be replaced: a name, a provider type and its factory type. */
public abstract class InternalSpi implements Spi {

    private final String name;
    private final Class<? extends Provider> provider;
    private final Class<? extends ProviderFactory> factory;

    protected InternalSpi(String name, Class<? extends Provider> provider, Class<? extends ProviderFactory> factory) {
        this.name = name;
        this.provider = provider;
        this.factory = factory;
    }

    @Override
    public final boolean isInternal() {
        return true;
    }

    @Override
    public final String getName() {
        return name;
    }

    @Override
    public final Class<? extends Provider> getProviderClass() {
        return provider;
    }

    @Override
    public final Class<? extends ProviderFactory> getProviderFactoryClass() {
        return factory;
    }
}
