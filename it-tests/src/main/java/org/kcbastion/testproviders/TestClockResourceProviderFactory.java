package org.kcbastion.testproviders;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;

import java.util.Map;

/**
 * TEST ONLY, never shipped: shifts Keycloak's clock ({@link Time#setOffset}) so day-long lifetimes are testable in
 * seconds. {@code PUT /admin/realms/{realm}/bastion-test-clock/offset?offset=N}, manage-realm required.
 */
public final class TestClockResourceProviderFactory extends TestAdminResourceFactory {

    public static final String PROVIDER_ID = "bastion-test-clock";

    @Override
    Object resource(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth) {
        return new ClockResource(auth);
    }

    public static final class ClockResource {
        private final AdminPermissionEvaluator auth;

        ClockResource(AdminPermissionEvaluator auth) {
            this.auth = auth;
        }

        @GET
        @Path("offset")
        @Produces(MediaType.APPLICATION_JSON)
        public Map<String, Object> get() {
            auth.realm().requireViewRealm();
            return Map.of("offset", Time.getOffset(), "currentTime", Time.currentTime());
        }

        @PUT
        @Path("offset")
        @Produces(MediaType.APPLICATION_JSON)
        public Map<String, Object> set(@QueryParam("offset") int offset) {
            auth.realm().requireManageRealm();
            Time.setOffset(offset);
            return get();
        }
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
