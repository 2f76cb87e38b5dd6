package org.kcbastion.sessionlimits;

import org.keycloak.provider.ProviderFactory;

public interface SessionLimitProviderFactory extends ProviderFactory<SessionLimitProvider> {
}
