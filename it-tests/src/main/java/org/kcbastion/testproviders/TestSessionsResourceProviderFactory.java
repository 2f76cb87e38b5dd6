package org.kcbastion.testproviders;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;

import java.util.Map;

/**
 * TEST ONLY, never shipped: creates many plain user sessions at once for benchmarks of the sweeper
 * ({@code POST /admin/realms/{realm}/bastion-test-sessions/bulk?username=u&count=N}, manage-realm, at most 5,000 a call).
 */
public final class TestSessionsResourceProviderFactory extends TestAdminResourceFactory {

    public static final String PROVIDER_ID = "bastion-test-sessions";

    @Override
    Object resource(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth) {
        return new Bulk(session, realm, auth);
    }

    public static final class Bulk {
        private final KeycloakSession session;
        private final RealmModel realm;
        private final AdminPermissionEvaluator auth;

        Bulk(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth) {
            this.session = session;
            this.realm = realm;
            this.auth = auth;
        }

        @POST
        @Path("bulk")
        @Produces(MediaType.APPLICATION_JSON)
        public Map<String, Object> bulk(@QueryParam("username") String username, @QueryParam("count") int count) {
            auth.realm().requireManageRealm();
            UserModel user = session.users().getUserByUsername(realm, username);
            int n = Math.max(0, Math.min(count, 5000));
            for (int i = 0; i < n; i++) {
                session.sessions().createUserSession(null, realm, user, username, "127.0.0.1", "bench", false, null, null,
                        org.keycloak.models.UserSessionModel.SessionPersistenceState.PERSISTENT);
            }
            return Map.of("created", n);
        }
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
