package org.kcbastion.testproviders;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;

import java.util.Map;

/**
 * TEST ONLY, never shipped: writes realm and client attributes straight into the model, past every admin endpoint,
 * as a direct database edit or an older export would ({@code PUT /admin/realms/{realm}/bastion-test-raw/attributes},
 * {@code PUT .../bastion-test-raw/clients/{uuid}/attributes}, {@code PUT .../bastion-test-raw/roles/{id}/attributes};
 * body: attribute to value, null removes; manage-realm).
 * Tests use it to plant values that Bastion's write paths refuse, to see how reads treat them.
 */
public final class TestRawAttributesResourceProviderFactory extends TestAdminResourceFactory {

    public static final String PROVIDER_ID = "bastion-test-raw";

    @Override
    Object resource(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth) {
        return new Raw(realm, auth);
    }

    public static final class Raw {
        private final RealmModel realm;
        private final AdminPermissionEvaluator auth;

        Raw(RealmModel realm, AdminPermissionEvaluator auth) {
            this.realm = realm;
            this.auth = auth;
        }

        @PUT
        @Path("attributes")
        @Consumes(MediaType.APPLICATION_JSON)
        public void realmAttributes(Map<String, String> attributes) {
            auth.realm().requireManageRealm();
            attributes.forEach((k, v) -> {
                if (v == null) realm.removeAttribute(k);
                else realm.setAttribute(k, v);
            });
        }

        @PUT
        @Path("clients/{id}/attributes")
        @Consumes(MediaType.APPLICATION_JSON)
        public void clientAttributes(@PathParam("id") String id, Map<String, String> attributes) {
            auth.realm().requireManageRealm();
            ClientModel client = realm.getClientById(id);
            if (client == null) throw new NotFoundException("no client " + id);
            attributes.forEach((k, v) -> {
                if (v == null) client.removeAttribute(k);
                else client.setAttribute(k, v);
            });
        }

        /** A role's attributes through Keycloak's Java API, as another extension would write them (no admin endpoint). */
        @PUT
        @Path("roles/{id}/attributes")
        @Consumes(MediaType.APPLICATION_JSON)
        public void roleAttributes(@PathParam("id") String id, Map<String, String> attributes) {
            auth.realm().requireManageRealm();
            RoleModel role = realm.getRoleById(id);
            if (role == null) throw new NotFoundException("no role " + id);
            attributes.forEach((k, v) -> {
                if (v == null) role.removeAttribute(k);
                else role.setSingleAttribute(k, v);
            });
        }
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
