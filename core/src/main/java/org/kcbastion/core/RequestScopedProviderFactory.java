package org.kcbastion.core;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

/**
 * The factory of a provider that lives for one Keycloak session (one request) and holds what that request learned:
 * nothing to configure, nothing to start or stop, id {@code default}.
 */
public abstract class RequestScopedProviderFactory<T extends Provider> implements ProviderFactory<T>, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "default";

    @Override
    public final void init(Config.Scope config) {
    }

    @Override
    public final void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public final void close() {
    }

    @Override
    public final String getId() {
        return PROVIDER_ID;
    }
}
