package org.kcbastion.events;

import org.kcbastion.core.RequestScopedProviderFactory;
import org.keycloak.models.KeycloakSession;

import java.util.Map;

/** See {@link CredentialChangeFlow}; a new one per Keycloak session (request). */
public final class CredentialChangeFlowFactory extends RequestScopedProviderFactory<CredentialChangeFlow> {

    @Override
    public CredentialChangeFlow create(KeycloakSession session) {
        return new CredentialChangeFlow(session);
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return Map.of("changes", "PUT users/{id} with credentials, reset-password, DELETE credentials/{id}, disable-credential-types",
                "revokes", "every online and offline session of the user, in the change's transaction");
    }
}
