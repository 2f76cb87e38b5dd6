package org.kcbastion.core;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import java.util.Map;

/** See {@link ImpersonationFlow}; a new one per Keycloak session (request). */
public final class ImpersonationFlowFactory implements ProviderFactory<ImpersonationFlow>, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "default";

    @Override
    public ImpersonationFlow create(KeycloakSession session) {
        return new ImpersonationFlow(session);
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        Map<String, String> info = new java.util.LinkedHashMap<>(PrivilegedActionGuard.describe());
        info.put("grantLifetime", "one request");
        return info;
    }
}
