package org.kcbastion.testproviders;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.services.resources.admin.AdminEventBuilder;
import org.keycloak.services.resources.admin.ext.AdminRealmResourceProvider;
import org.keycloak.services.resources.admin.ext.AdminRealmResourceProviderFactory;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;

/**
 * TEST ONLY: what the test-only admin resources share. A subclass names its path ({@link #getId()}) and builds its
 * resource per request; the resource checks the caller's permission itself.
 */
abstract class TestAdminResourceFactory implements AdminRealmResourceProviderFactory {

    abstract Object resource(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth);

    @Override
    public final AdminRealmResourceProvider create(KeycloakSession session) {
        return new AdminRealmResourceProvider() {
            @Override
            public Object getResource(KeycloakSession s, RealmModel realm, AdminPermissionEvaluator auth, AdminEventBuilder adminEvent) {
                return resource(s, realm, auth);
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public final void init(Config.Scope config) {
    }

    @Override
    public final void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public final void close() {
    }
}
