package org.kcbastion.admin;

import org.kcbastion.core.OperationalInfo;
import org.kcbastion.core.StatelessFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.keycloak.services.resources.admin.ext.AdminRealmResourceProvider;
import org.keycloak.services.resources.admin.ext.AdminRealmResourceProviderFactory;

import java.util.Map;

/** Mounts Bastion's admin REST API at {@code /admin/realms/{realm}/bastion}. */
public final class BastionAdminResourceProviderFactory
        implements AdminRealmResourceProviderFactory, StatelessFactory<AdminRealmResourceProvider>, ServerInfoAwareProviderFactory {

    /** The path segment under {@code /admin/realms/{realm}/}, a public contract. */
    public static final String PROVIDER_ID = "bastion";

    @Override
    public AdminRealmResourceProvider create(KeycloakSession session) {
        return new BastionAdminResourceProvider();
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return OperationalInfo.of(Map.of("base-path", "/admin/realms/{realm}/" + PROVIDER_ID));
    }
}
