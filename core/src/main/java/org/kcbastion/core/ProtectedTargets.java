package org.kcbastion.core;

import org.keycloak.models.ClientModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.RoleUtils;

import java.util.Optional;

/** Users no admin may impersonate: holders of admin roles and of the roles the realm's policy protects. */
final class ProtectedTargets {

    private ProtectedTargets() {
    }

    /** The role that protects {@code target}: any admin role, or a role named in the policy. */
    static Optional<String> protectedRole(RealmModel realm, BastionPolicy policy, UserModel target) {
        if (target == null) return Optional.empty();
        for (RoleModel role : RoleUtils.getDeepUserRoleMappings(target)) {
            String name = roleName(role);
            if (isAdminRole(realm, role) || policy.impersonationProtectedRoles().contains(name)
                    || (!role.isClientRole() && policy.impersonationProtectedRoles().contains(role.getName()))) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    /** A realm role by its name; a client role as {@code clientId/role}. */
    static String roleName(RoleModel role) {
        if (role.isClientRole() && role.getContainer() instanceof ClientModel client) {
            return client.getClientId() + "/" + role.getName();
        }
        return role.getName();
    }

    /** Roles of the realm's admin client, and in master also the other realms' admin clients and the admin roles. */
    static boolean isAdminRole(RealmModel realm, RoleModel role) {
        if (role.isClientRole() && role.getContainer() instanceof ClientModel client) {
            String id = client.getClientId();
            return id.equals("realm-management") || (realm.getName().equals("master") && id.endsWith("-realm"));
        }
        return realm.getName().equals("master") && (role.getName().equals("admin") || role.getName().equals("create-realm"));
    }
}
