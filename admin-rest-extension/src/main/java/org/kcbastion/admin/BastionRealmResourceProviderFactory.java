package org.kcbastion.admin;

import org.kcbastion.core.OperationalInfo;
import org.kcbastion.core.StatelessFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.keycloak.services.resource.RealmResourceProvider;
import org.keycloak.services.resource.RealmResourceProviderFactory;

import java.util.Map;

/** Mounts Bastion's public pages at {@code /realms/{realm}/bastion} (step-up, console); the id is the URL path, a public contract. */
public final class BastionRealmResourceProviderFactory
        implements RealmResourceProviderFactory, StatelessFactory<RealmResourceProvider>, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "bastion";

    @Override
    public RealmResourceProvider create(KeycloakSession session) {
        return new BastionRealmResource(session);
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return OperationalInfo.of(Map.of("stepUp", "/realms/{realm}/bastion/step-up", "console", "/realms/{realm}/bastion/console",
                "defaultClient", "security-admin-console"));
    }
}
