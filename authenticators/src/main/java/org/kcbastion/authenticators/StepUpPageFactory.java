package org.kcbastion.authenticators;

import org.kcbastion.core.OperationalInfo;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.keycloak.services.resource.RealmResourceProvider;
import org.keycloak.services.resource.RealmResourceProviderFactory;

import java.util.Map;

/** Mounts the step-up page at {@code /realms/{realm}/bastion}; the id is the URL path, a public contract. */
public final class StepUpPageFactory implements RealmResourceProviderFactory, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "bastion";

    @Override
    public RealmResourceProvider create(KeycloakSession session) {
        return new StepUpPage(session);
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
        return OperationalInfo.of(Map.of("path", "/realms/{realm}/bastion/step-up", "defaultClient", "security-admin-console"));
    }
}
