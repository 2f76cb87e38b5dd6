package org.kcbastion.admin;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The catalogue of privileged admin writes: sudo mode for Keycloak's admin API. An entry is keyed on the Java method
 * Keycloak routes a request to ({@code ResourceClass#method}, or {@code ResourceClass#*} for every write of a
 * resource), so that no spelling of a path (trailing slash, alternative endpoint) can miss it. Each entry names its
 * action id (audit lines, metrics, admin-event details), a rule that decides from the body whether this request is
 * privileged, and why. {@link PrivilegedRequestFilter} applies it; {@code GET bastion/policy} and the README list it.
 * <p>
 * The principle: anything a stolen admin session could use to gain power (grant roles, take over an account, change
 * how people sign in, loosen the policy, switch off audit) needs a fresh step-up. Containment (sign-outs, disabling a
 * user, revoking) never does, whatever {@code bastion.stepUp.scope} says. The catalogue is data and reads top to bottom.
 */
final class AdminCatalogue {

    /** How the body (or the stored state) decides whether one request is privileged. */
    enum Rule {
        /** Every write routed here. */
        ALWAYS,
        /** Realm update: a policy attribute, a flow binding, a security or event setting, or embedded users/roles/clients/flows. */
        REALM_UPDATE,
        /** A new realm: always (it may carry users, roles and clients); its policy values are validated. */
        NEW_REALM,
        /** Partial import: always; caps on imported clients and roles are validated. */
        PARTIAL_IMPORT,
        /** A new user with credentials, groups or roles. */
        USER_CREATE,
        /** A user update carrying credentials, or changing username, email, federation link, or enabling the user. */
        USER_UPDATE,
        /** A new client with a flow override, protocol mappers, a service account or a cap (caps: validated only). */
        CLIENT_CREATE,
        /** A client update changing how it authenticates, its flows, service account, redirect URIs, or loosening its cap. */
        CLIENT_UPDATE,
        /** A role write loosening its cap (caps: validated always). */
        ROLE_WRITE,
        /** Moving an existing group (it carries its roles and members under a new parent). */
        GROUP_MOVE,
        /** Authorization settings of the admin-permissions client (FGAP v2) or realm-management (v1). */
        ADMIN_AUTHZ,
        /** Never needs a step-up, not even with scope all-writes: incident response must be fast. */
        CONTAINMENT,
        /** Guarded where more is known than a filter sees (impersonation's target and reason, Bastion's own policy). */
        SELF_GUARDED
    }

    /** {@code action} is the id in audit lines, metrics and admin-event details. */
    record Entry(String action, Rule rule, String why) {
    }

    private static final Map<String, Entry> ENTRIES = java.util.Collections.unmodifiableMap(build());

    private static Map<String, Entry> build() {
        Map<String, Entry> entries = new LinkedHashMap<>();
        Adder add = (routedMethod, action, rule, why) -> {
            if (entries.put(routedMethod, new Entry(action, rule, why)) != null) {
                throw new IllegalStateException("Twice in the catalogue: " + routedMethod);
            }
        };
        // --- roles and permissions ---
        add.add("RoleMapperResource#addRealmRoleMappings", "grant_role", Rule.ALWAYS, "grants realm roles to a user or group");
        add.add("ClientRoleMappingsResource#addClientRoleMapping", "grant_role", Rule.ALWAYS,
                "grants client roles (realm-admin among them) to a user or group");
        add.add("RoleContainerResource#addComposites", "grant_role", Rule.ALWAYS,
                "a composite passes its roles to every holder (default roles too)");
        add.add("RoleByIdResource#addComposites", "grant_role", Rule.ALWAYS, "the same composite change, addressed by id");
        add.add("RoleContainerResource#createRole", "role_write", Rule.ROLE_WRITE, "a new role's session cap must be valid");
        add.add("RoleContainerResource#updateRole", "role_write", Rule.ROLE_WRITE,
                "raising or removing a role's cap lengthens its holders' sessions");
        add.add("RoleByIdResource#updateRole", "role_write", Rule.ROLE_WRITE, "the same role update, addressed by id");
        add.add("UserResource#joinGroup", "group_membership", Rule.ALWAYS, "a group carries roles and fine-grained permissions");
        add.add("GroupResource#addChild", "group_move", Rule.GROUP_MOVE, "moving a group under another changes what its members inherit");
        add.add("GroupsResource#addTopLevelGroup", "group_move", Rule.GROUP_MOVE,
                "moving a group to the top changes what its members inherit");
        add.add("RealmAdminResource#addDefaultGroup", "group_membership", Rule.ALWAYS, "every new user joins a default group");
        add.add("RealmAdminResource#setUsersManagementPermissionsEnabled", "admin_permissions", Rule.ALWAYS,
                "switches fine-grained admin permissions (v1) on users");
        add.add("ClientResource#setManagementPermissionsEnabled", "admin_permissions", Rule.ALWAYS,
                "fine-grained admin permissions (v1) on a client");
        add.add("GroupResource#setManagementPermissionsEnabled", "admin_permissions", Rule.ALWAYS,
                "fine-grained admin permissions (v1) on a group");
        add.add("RoleContainerResource#setManagementPermissionsEnabled", "admin_permissions", Rule.ALWAYS,
                "fine-grained admin permissions (v1) on a role");
        add.add("RoleByIdResource#setManagementPermissionsEnabled", "admin_permissions", Rule.ALWAYS,
                "fine-grained admin permissions (v1) on a role");
        add.add("IdentityProviderResource#setManagementPermissionsEnabled", "admin_permissions", Rule.ALWAYS,
                "fine-grained admin permissions (v1) on an identity provider");
        add.add("ProtocolMappersResource#*", "token_mappers", Rule.ALWAYS,
                "client and client-scope mappers put roles and claims into tokens");
        add.add("ClientResource#addDefaultClientScope", "token_mappers", Rule.ALWAYS,
                "a client scope brings its mappers and role scope into the client's tokens");
        add.add("ClientResource#addOptionalClientScope", "token_mappers", Rule.ALWAYS, "the same, on request");
        add.add("RealmAdminResource#addDefaultDefaultClientScope", "token_mappers", Rule.ALWAYS,
                "a realm-default client scope reaches every new client");
        add.add("RealmAdminResource#addDefaultOptionalClientScope", "token_mappers", Rule.ALWAYS, "the same, optional");
        add.add("ClientScopesResource#createClientScope", "token_mappers", Rule.ALWAYS, "a new client scope may carry mappers");
        add.add("ClientScopeResource#update", "token_mappers", Rule.ALWAYS, "a client scope's settings decide what its tokens carry");
        add.add("IdentityProviderResource#addMapper", "idp_mappers", Rule.ALWAYS,
                "identity-provider mappers can grant roles at every broker login");
        add.add("IdentityProviderResource#update", "identity_providers", Rule.ALWAYS,
                "where users sign in from and how accounts are linked");
        // --- credentials and sign-in identity ---
        add.add("UserResource#resetPassword", "credentials", Rule.ALWAYS, "sets a password the caller knows");
        add.add("UserResource#updateUser", "credentials", Rule.USER_UPDATE,
                "credentials, username, email or federation link take over the account; enabling revives it");
        add.add("UsersResource#createUser", "credentials", Rule.USER_CREATE, "a user created with credentials, groups or roles");
        add.add("UserResource#removeCredential", "credentials", Rule.ALWAYS, "removing a second factor weakens the account");
        add.add("UserResource#disableCredentialType", "credentials", Rule.ALWAYS, "the same, by type");
        add.add("UserResource#moveCredentialToFirst", "credentials", Rule.ALWAYS, "the first credential is what sign-in asks for");
        add.add("UserResource#moveCredentialAfter", "credentials", Rule.ALWAYS, "the same");
        add.add("UserResource#addFederatedIdentity", "credentials", Rule.ALWAYS,
                "links an external account that can then sign in as the user");
        add.add("UserResource#executeActionsEmail", "credentials", Rule.ALWAYS,
                "sends an account-takeover link (e.g. UPDATE_PASSWORD) to the stored address");
        add.add("UserResource#resetPasswordEmail", "credentials", Rule.ALWAYS, "the same, for the password");
        add.add("AttackDetectionResource#clearBruteForceForUser", "credentials", Rule.ALWAYS,
                "unlocks an account that brute-force protection locked");
        add.add("AttackDetectionResource#clearAllBruteForce", "credentials", Rule.ALWAYS, "unlocks every locked account");
        // --- imports ---
        add.add("RealmAdminResource#partialImport", "import", Rule.PARTIAL_IMPORT,
                "imports users with credentials and roles, clients, groups, roles");
        add.add("RealmsAdminResource#importRealm", "import", Rule.NEW_REALM, "a new realm with its users, roles, clients and policy");
        add.add("RealmAdminResource#updateRealm", "realm_security", Rule.REALM_UPDATE,
                "flow bindings, security and event settings, Bastion's policy");
        add.add("UIRealmResource#updateRealm", "realm_security", Rule.REALM_UPDATE,
                "the admin console's realm settings delegate to the realm update");
        // --- authentication ---
        add.add("AuthenticationManagementResource#*", "authentication", Rule.ALWAYS,
                "flows, executions, authenticator configs and required actions decide how people sign in");
        // --- clients ---
        add.add("ClientsResource#createClient", "clients", Rule.CLIENT_CREATE, "flow overrides, mappers, service accounts");
        add.add("ClientResource#update", "clients", Rule.CLIENT_UPDATE,
                "client authentication, flows, service account, redirect URIs, session cap");
        add.add("ClientResource#regenerateSecret", "clients", Rule.ALWAYS,
                "a new secret the caller knows (service accounts may hold admin roles)");
        add.add("ClientResource#regenerateRegistrationAccessToken", "clients", Rule.ALWAYS, "a token that can rewrite the client");
        add.add("ClientAttributeCertificateResource#generate", "clients", Rule.ALWAYS, "a new signing key for client authentication");
        add.add("ClientAttributeCertificateResource#uploadJks", "clients", Rule.ALWAYS, "a caller-chosen key for client authentication");
        add.add("ClientAttributeCertificateResource#uploadJksCertificate", "clients", Rule.ALWAYS, "the same, certificate only");
        add.add("ClientAttributeCertificateResource#generateAndGetKeystore", "clients", Rule.ALWAYS,
                "a new key whose private part the caller receives");
        add.add("ClientInitialAccessResource#create", "clients", Rule.ALWAYS, "a token that registers new clients");
        // --- realm security settings ---
        add.add("RealmAdminResource#updateRealmEventsConfig", "events", Rule.ALWAYS,
                "switching off events or admin events switches off audit");
        add.add("ComponentResource#*", "components", Rule.ALWAYS, "keys, user federation and its mappers, and Bastion's own tab");
        add.add("IdentityProvidersResource#create", "identity_providers", Rule.ALWAYS, "a new place users sign in from");
        add.add("ClientPoliciesResource#updatePolicies", "client_policies", Rule.ALWAYS, "client policies enforce security profiles");
        add.add("ClientProfilesResource#updateProfiles", "client_policies", Rule.ALWAYS, "the same, profiles");
        add.add("UserProfileResource#update", "user_profile", Rule.ALWAYS, "decides which attributes users may edit themselves");
        add.add("WorkflowsResource#*", "workflows", Rule.ALWAYS, "workflows act on users (roles, groups, credentials) without a person");
        add.add("WorkflowResource#*", "workflows", Rule.ALWAYS, "the same, one workflow");
        // --- containment: never a step-up ---
        add.add("UserResource#logout", "containment", Rule.CONTAINMENT, "signs a user out everywhere");
        add.add("RealmAdminResource#deleteSession", "containment", Rule.CONTAINMENT, "ends one session");
        add.add("RealmAdminResource#logoutAll", "containment", Rule.CONTAINMENT, "signs everyone out");
        add.add("RealmAdminResource#pushRevocation", "containment", Rule.CONTAINMENT, "pushes a not-before to the apps");
        add.add("ClientResource#pushRevocation", "containment", Rule.CONTAINMENT, "the same, one client");
        add.add("UserResource#revokeConsent", "containment", Rule.CONTAINMENT, "revokes a client's consent and its offline tokens");
        add.add("ClientResource#invalidateRotatedSecret", "containment", Rule.CONTAINMENT, "retires a client's previous secret");
        add.add("BastionAdminResource#revokeSessions", "containment", Rule.CONTAINMENT, "Bastion's full revocation");
        add.add("BastionAdminResource#endImpersonation", "containment", Rule.CONTAINMENT, "ends an impersonation now");
        // --- guarded by their own endpoint or filter, with what only they know (target, reason) ---
        add.add("UserResource#impersonate", "impersonate", Rule.SELF_GUARDED,
                "PrivilegedActionFilter: step-up, reason, protected targets, rate limits");
        add.add("BastionAdminResource#putPolicy", "update_policy", Rule.SELF_GUARDED, "validates and guards itself");
        return entries;
    }

    @FunctionalInterface
    private interface Adder {
        void add(String routedMethod, String action, Rule rule, String why);
    }

    private AdminCatalogue() {
    }

    /**
     * The entry for a routed method: exact, else the resource's wildcard, else the authorization services of
     * Keycloak's admin clients ({@code org.keycloak.authorization.admin}, judged by {@link Rule#ADMIN_AUTHZ}).
     */
    /** Keycloak's impersonation endpoint, whichever path spelling reached it. */
    static boolean isImpersonation(Class<?> resourceClass, String method) {
        return resourceClass != null && "UserResource".equals(resourceClass.getSimpleName()) && "impersonate".equals(method);
    }

    static Optional<Entry> find(Class<?> resourceClass, String method) {
        if (resourceClass == null || method == null) return Optional.empty();
        String name = resourceClass.getSimpleName();
        Entry entry = ENTRIES.get(name + "#" + method);
        if (entry == null) entry = ENTRIES.get(name + "#*");
        if (entry == null && resourceClass.getName().startsWith("org.keycloak.authorization.admin.")) {
            entry = AUTHZ;
        }
        return Optional.ofNullable(entry);
    }

    private static final Entry AUTHZ = new Entry("admin_permissions", Rule.ADMIN_AUTHZ,
            "policies and permissions of admin-permissions (FGAP v2) or realm-management (v1) grant admin power");

    /** Routed method to entry, in catalogue order, for the policy endpoint, the posture report and the README. */
    static Map<String, Entry> entries() {
        Map<String, Entry> all = new LinkedHashMap<>(ENTRIES);
        all.put("org.keycloak.authorization.admin.*", AUTHZ);
        return all;
    }
}
