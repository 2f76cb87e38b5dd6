package org.kcbastion.events;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import java.util.Map;

/** See {@link CredentialChangeFlow}; a new one per Keycloak session (request). */
public final class CredentialChangeFlowFactory implements ProviderFactory<CredentialChangeFlow>, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "default";

    @Override
    public CredentialChangeFlow create(KeycloakSession session) {
        return new CredentialChangeFlow(session);
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
        return Map.of("changes", "PUT users/{id} with credentials, reset-password, DELETE credentials/{id}, disable-credential-types",
                "revokes", "every online and offline session of the user, in the change's transaction");
    }
}
