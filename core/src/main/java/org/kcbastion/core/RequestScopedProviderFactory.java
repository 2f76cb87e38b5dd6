package org.kcbastion.core;

import org.keycloak.provider.Provider;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

/**
 * The factory of a provider that lives for one Keycloak session (one request) and holds what that request learned:
 * nothing to configure, nothing to start or stop, id {@code default}.
 */
public abstract class RequestScopedProviderFactory<T extends Provider> implements StatelessFactory<T>, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "default";

    @Override
    public final String getId() {
        return PROVIDER_ID;
    }
}
