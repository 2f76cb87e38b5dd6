package org.kcbastion.core;

import org.keycloak.models.KeycloakSession;

import java.util.LinkedHashMap;
import java.util.Map;

/** See {@link ImpersonationFlow}; a new one per Keycloak session (request). */
public final class ImpersonationFlowFactory extends RequestScopedProviderFactory<ImpersonationFlow> {

    @Override
    public ImpersonationFlow create(KeycloakSession session) {
        return new ImpersonationFlow(session);
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        Map<String, String> info = new LinkedHashMap<>(PrivilegedActionGuard.describe());
        info.put("grantLifetime", "one request");
        return info;
    }
}
