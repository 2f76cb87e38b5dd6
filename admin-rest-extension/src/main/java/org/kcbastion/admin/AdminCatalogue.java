package org.kcbastion.admin;

import java.util.Map;
import java.util.Optional;

/**
 * The catalogue of privileged admin writes, keyed on the Java method Keycloak routes a request to
 * ({@code ResourceClass#method}), so that no spelling of a path (trailing slash, alternative endpoint) can miss an
 * entry. Each entry says what it guards and why; {@link PrivilegedRequestFilter} applies it.
 * <p>
 * Read it as: "a request routed to X is privileged when its body does Y, because Z".
 */
final class AdminCatalogue {

    /** How the body decides whether the request is privileged. */
    enum Rule {
        /** Changes a {@code bastion.*} realm attribute; validates every sent policy value. */
        REALM_POLICY,
        /** A new realm carrying policy attributes. */
        NEW_REALM_POLICY,
        /** Carries session caps on clients or roles (an import may overwrite existing ones). */
        IMPORTED_CAPS,
        /** Raises or removes a client's session cap; validates the value. */
        CLIENT_CAP,
        /** Raises or removes a role's session cap; validates the value. */
        ROLE_CAP
    }

    /** {@code action} is the id in audit lines, metrics and admin-event details. */
    record Entry(String action, Rule rule, String why) {
    }

    private static final Map<String, Entry> ENTRIES = Map.ofEntries(
            entry("RealmAdminResource#updateRealm", "update_policy", Rule.REALM_POLICY,
                    "the realm update writes realm attributes, and so Bastion's policy"),
            entry("UIRealmResource#updateRealm", "update_policy", Rule.REALM_POLICY,
                    "the admin console's realm settings (PUT ui-ext) delegate to the realm update"),
            entry("RealmsAdminResource#importRealm", "update_policy", Rule.NEW_REALM_POLICY,
                    "a new realm may carry a policy looser than the defaults"),
            entry("RealmAdminResource#partialImport", "update_policy", Rule.IMPORTED_CAPS,
                    "an import may overwrite the session caps of existing clients and roles"),
            entry("ClientsResource#createClient", "update_client_cap", Rule.CLIENT_CAP,
                    "a new client's cap must be valid (a cap only shortens sessions, so no step-up)"),
            entry("ClientResource#update", "update_client_cap", Rule.CLIENT_CAP,
                    "raising or removing a client's cap lengthens its sessions"),
            entry("RoleContainerResource#createRole", "update_role_cap", Rule.ROLE_CAP,
                    "a new role's cap must be valid (a cap only shortens sessions, so no step-up)"),
            entry("RoleContainerResource#updateRole", "update_role_cap", Rule.ROLE_CAP,
                    "raising or removing a role's cap lengthens the sessions of its holders"),
            entry("RoleByIdResource#updateRole", "update_role_cap", Rule.ROLE_CAP,
                    "the same role update, addressed by id"));

    private AdminCatalogue() {
    }

    private static Map.Entry<String, Entry> entry(String routedMethod, String action, Rule rule, String why) {
        return Map.entry(routedMethod, new Entry(action, rule, why));
    }

    static Optional<Entry> find(Class<?> resourceClass, String method) {
        if (resourceClass == null || method == null) return Optional.empty();
        return Optional.ofNullable(ENTRIES.get(resourceClass.getSimpleName() + "#" + method));
    }

    /** Routed method to action and reason, for the policy endpoint, the posture report and operational info. */
    static Map<String, Entry> entries() {
        return ENTRIES;
    }
}
