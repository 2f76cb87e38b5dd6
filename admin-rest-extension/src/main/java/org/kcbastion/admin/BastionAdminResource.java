package org.kcbastion.admin;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.PolicyKey;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code /admin/realms/{realm}/bastion}: Keycloak has authenticated the admin; each method checks permissions. */
final class BastionAdminResource {

    private final KeycloakSession session;
    private final RealmModel realm;
    private final AdminPermissionEvaluator auth;

    BastionAdminResource(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth) {
        this.session = session;
        this.realm = realm;
        this.auth = auth;
    }

    /**
     * The effective policy: for every key its value, its default, whether the realm sets it, and where the stored
     * value is invalid, why (the default then applies).
     */
    @GET
    @Path("policy")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> getPolicy() {
        auth.realm().requireViewRealm();
        BastionPolicy policy = BastionPolicy.from(realm);
        Map<String, Object> entries = new LinkedHashMap<>();
        for (PolicyKey key : PolicyKey.values()) {
            String stored = realm.getAttribute(key.attribute());
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("value", stored == null || stored.isBlank() ? key.defaultValue() : stored);
            entry.put("default", key.defaultValue());
            entry.put("set", stored != null && !stored.isBlank());
            policy.problems().stream()
                    .filter(p -> p.key() == key)
                    .findFirst()
                    .ifPresent(p -> {
                        entry.put("value", key.defaultValue());
                        entry.put("invalid", p.value());
                        entry.put("problem", p.reason());
                    });
            entries.put(key.attribute(), entry);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("realm", realm.getName());
        body.put("valid", policy.isValid());
        body.put("policy", entries);
        return body;
    }
}
