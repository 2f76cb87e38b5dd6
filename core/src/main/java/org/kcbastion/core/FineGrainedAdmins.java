package org.kcbastion.core;

import com.fasterxml.jackson.databind.JsonNode;
import org.keycloak.authorization.AuthorizationProvider;
import org.keycloak.authorization.model.Policy;
import org.keycloak.authorization.model.ResourceServer;
import org.keycloak.models.ClientModel;
import org.keycloak.models.GroupModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;
import org.keycloak.util.JsonSerialization;

import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Whether fine-grained admin permissions give a user admin power without any admin role: some permission of the
 * realm's permission store (FGAP v2: the {@code admin-permissions} client; v1: {@code realm-management}) has a
 * user, group or role policy that matches the user. Deliberately over-inclusive (decision strategies and negative
 * logic are not evaluated): a user it names may hold less power than it says, never more, and such a user is only
 * protected from impersonation.
 */
public final class FineGrainedAdmins {

    private FineGrainedAdmins() {
    }

    /** The permission that reaches {@code user}, named for an error message; empty when none does. */
    public static Optional<String> grantingPermission(KeycloakSession session, RealmModel realm, UserModel user) {
        Set<ClientModel> stores = new HashSet<>();
        if (realm.getAdminPermissionsClient() != null) stores.add(realm.getAdminPermissionsClient());
        ClientModel v1 = realm.getClientByClientId("realm-management");
        if (v1 != null) stores.add(v1);
        AuthorizationProvider authz = session.getProvider(AuthorizationProvider.class);
        if (authz == null) return Optional.empty();
        for (ClientModel client : stores) {
            ResourceServer server = authz.getStoreFactory().getResourceServerStore().findByClient(client);
            if (server == null) continue;
            for (Policy permission : authz.getStoreFactory().getPolicyStore().findByResourceServer(server)) {
                if (!isPermission(permission)) continue;
                for (Policy policy : permission.getAssociatedPolicies()) {
                    if (matches(realm, policy, user, 0)) return Optional.of(permission.getName());
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isPermission(Policy policy) {
        return "scope".equals(policy.getType()) || "resource".equals(policy.getType());
    }

    private static boolean matches(RealmModel realm, Policy policy, UserModel user, int depth) {
        if (depth > 8) return false;
        JsonNode config;
        switch (policy.getType()) {
            case "user" -> {
                for (JsonNode id : json(policy.getConfig().get("users"))) {
                    if (user.getId().equals(id.asText())) return true;
                }
                return false;
            }
            case "group" -> {
                config = json(policy.getConfig().get("groups"));
                for (JsonNode g : config) {
                    GroupModel group = realm.getGroupById(g.path("id").asText());
                    if (group == null) continue;
                    boolean children = g.path("extendChildren").asBoolean(false);
                    if (user.getGroupsStream().anyMatch(mine -> mine.getId().equals(group.getId())
                            || (children && descends(mine, group)))) return true;
                }
                return false;
            }
            case "role" -> {
                for (JsonNode r : json(policy.getConfig().get("roles"))) {
                    RoleModel role = realm.getRoleById(r.path("id").asText());
                    if (role != null && user.hasRole(role)) return true;
                }
                return false;
            }
            case "aggregate" -> {
                for (Policy inner : policy.getAssociatedPolicies()) {
                    if (matches(realm, inner, user, depth + 1)) return true;
                }
                return false;
            }
            default -> {
                return false;
            }
        }
    }

    private static boolean descends(GroupModel group, GroupModel ancestor) {
        for (GroupModel g = group.getParent(); g != null; g = g.getParent()) {
            if (g.getId().equals(ancestor.getId())) return true;
        }
        return false;
    }

    private static JsonNode json(String text) {
        if (text == null || text.isBlank()) return JsonSerialization.mapper.createArrayNode();
        try {
            JsonNode node = JsonSerialization.readValue(text, JsonNode.class);
            return node != null && node.isArray() ? node : JsonSerialization.mapper.createArrayNode();
        } catch (IOException e) {
            return JsonSerialization.mapper.createArrayNode();
        }
    }
}
