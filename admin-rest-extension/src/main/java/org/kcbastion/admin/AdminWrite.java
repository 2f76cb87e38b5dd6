package org.kcbastion.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import org.kcbastion.core.Ids;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.ModelToRepresentation;
import org.keycloak.util.JsonSerialization;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import static org.kcbastion.admin.JsonFields.changedIgnoringCase;
import static org.kcbastion.admin.JsonFields.nonEmpty;
import static org.kcbastion.admin.JsonFields.present;
import static org.kcbastion.admin.JsonFields.same;
import static org.kcbastion.admin.JsonFields.text;

/**
 * One admin write as {@link AdminCatalogue}'s rules see it: the realm, the decoded path segments
 * ({@code admin, realms, {realm}, ...}) and the JSON body. {@link #judge} decides, from the body and the stored state,
 * whether this request is privileged, containment, or carries an invalid policy value.
 */
record AdminWrite(KeycloakSession session, RealmModel realm, List<String> segments, JsonNode body) {

    static final JsonNode UNREADABLE = new TextNode("\u0000unreadable");
    static final JsonNode TOO_LARGE = new TextNode("\u0000too-large");

    record Verdict(boolean privileged, boolean containment, Optional<PolicyUpdate.Invalid> invalid) {
        static final Verdict NOT_PRIVILEGED = new Verdict(false, false, Optional.empty());
        static final Verdict PRIVILEGED = new Verdict(true, false, Optional.empty());
        static final Verdict CONTAINMENT = new Verdict(false, true, Optional.empty());

        static Verdict of(boolean privileged) {
            return privileged ? PRIVILEGED : NOT_PRIVILEGED;
        }

        static Verdict invalid(PolicyUpdate.Invalid e) {
            return new Verdict(false, false, Optional.of(e));
        }
    }

    /** Realm fields whose change alters how people sign in, what is audited or who holds power. */
    static final Set<String> REALM_SECURITY_FIELDS = Set.of(
            "browserFlow", "registrationFlow", "directGrantFlow", "resetCredentialsFlow", "clientAuthenticationFlow",
            "dockerAuthenticationFlow", "firstBrokerLoginFlow",
            "bruteForceProtected", "permanentLockout", "maxTemporaryLockouts", "bruteForceStrategy", "maxFailureWaitSeconds",
            "minimumQuickLoginWaitSeconds", "waitIncrementSeconds", "quickLoginCheckMilliSeconds", "maxDeltaTimeSeconds",
            "failureFactor", "passwordPolicy", "sslRequired", "revokeRefreshToken", "refreshTokenMaxReuse",
            "eventsEnabled", "eventsListeners", "enabledEventTypes", "adminEventsEnabled", "adminEventsDetailsEnabled",
            "adminPermissionsEnabled", "duplicateEmailsAllowed", "loginWithEmailAllowed", "editUsernameAllowed");
    /** Prefixes of the same kind: OTP and WebAuthn policies. */
    static final List<String> REALM_SECURITY_PREFIXES = List.of("otpPolicy", "webAuthnPolicy");
    /** Embedded collections a realm update or import may carry. */
    static final Set<String> EMBEDDED = Set.of("users", "roles", "clients", "groups", "identityProviders",
            "identityProviderMappers", "authenticationFlows", "authenticatorConfig", "requiredActions", "components",
            "clientScopes", "scopeMappings", "clientScopeMappings", "defaultRoles", "defaultGroups", "federatedUsers");
    /** Client attributes that decide how the client authenticates. */
    static final Set<String> CLIENT_AUTH_ATTRIBUTES = Set.of("jwks.url", "use.jwks.url", "jwt.credential.certificate",
            "jwt.credential.public.key", "x509.subjectdn", "x509.allow.regex.pattern.comparison",
            "token.endpoint.auth.signing.alg", "tls.client.certificate.bound.access.tokens");

    Verdict judge(AdminCatalogue.Rule rule) {
        JsonNode b = body == null ? JsonNodeFactory.instance.objectNode() : body;
        return switch (rule) {
            case ALWAYS -> Verdict.PRIVILEGED;
            case CONTAINMENT -> Verdict.CONTAINMENT;
            case SELF_GUARDED -> Verdict.NOT_PRIVILEGED;
            case REALM_UPDATE -> realmUpdate(b);
            case NEW_REALM -> newRealm(b);
            case PARTIAL_IMPORT -> withInvalid(PolicyWrites.partialImport(b), true);
            case USER_CREATE -> Verdict.of(nonEmpty(b, "credentials") || nonEmpty(b, "groups") || nonEmpty(b, "realmRoles")
                    || nonEmpty(b, "clientRoles") || nonEmpty(b, "federatedIdentities") || present(b, "federationLink"));
            case USER_UPDATE -> userUpdate(b);
            case CLIENT_CREATE -> {
                PolicyWrites.Assessment cap = PolicyWrites.capWrite("client " + b.path("clientId").asText("?"), null,
                        b.get("attributes"), false);
                yield withInvalid(cap, nonEmpty(b, "protocolMappers") || nonEmpty(b, "authenticationFlowBindingOverrides"));
            }
            case CLIENT_UPDATE -> clientUpdate(b);
            case ROLE_WRITE -> {
                RoleModel role = role(realm, segments);
                String what = "role " + (role != null ? role.getName() : b.path("name").asText("?"));
                // Keycloak's role update replaces the whole attribute map: a cap left out is removed.
                yield withInvalid(PolicyWrites.capWrite(what, role == null ? null : role.getFirstAttribute(PolicyWrites.CAP),
                        b.get("attributes"), role != null), false);
            }
            case GROUP_MOVE -> {
                String id = b.path("id").asText(null);
                yield Verdict.of(id != null && Ids.plausible(id) && realm.getGroupById(id) != null);
            }
            case ADMIN_AUTHZ -> {
                ClientModel client = PrivilegedRequestFilter.client(realm, segments);
                yield Verdict.of(client != null && (client.equals(realm.getAdminPermissionsClient())
                        || "realm-management".equals(client.getClientId())));
            }
        };
    }

    private Verdict realmUpdate(JsonNode b) {
        Map<String, String> policy = PolicyWrites.changedRealmAttributes(realm.getAttributes(), b.get("attributes"));
        if (!policy.isEmpty()) {
            try {
                PolicyUpdate.validate(realm, policy);
            } catch (PolicyUpdate.Invalid e) {
                return Verdict.invalid(e);
            }
            return Verdict.PRIVILEGED;
        }
        JsonNode current = JsonSerialization.mapper.valueToTree(ModelToRepresentation.toRepresentation(session, realm, false));
        var fields = b.fieldNames();
        while (fields.hasNext()) {
            String field = fields.next();
            boolean watched = REALM_SECURITY_FIELDS.contains(field) || EMBEDDED.contains(field)
                    || REALM_SECURITY_PREFIXES.stream().anyMatch(field::startsWith);
            if (watched && !same(current.get(field), b.get(field))) return Verdict.PRIVILEGED;
        }
        return Verdict.NOT_PRIVILEGED;
    }

    private Verdict newRealm(JsonNode b) {
        Map<String, String> policy = PolicyWrites.newRealmAttributes(b.get("attributes"));
        if (!policy.isEmpty()) {
            try {
                PolicyUpdate.validateValues(policy);
            } catch (PolicyUpdate.Invalid e) {
                return Verdict.invalid(e);
            }
        }
        boolean carries = !policy.isEmpty();
        for (String field : EMBEDDED) carries |= nonEmpty(b, field);
        return Verdict.of(carries);
    }

    private Verdict userUpdate(JsonNode b) {
        if (segments.size() < 5 || !Ids.plausible(segments.get(4))) return Verdict.NOT_PRIVILEGED;
        UserModel user = session.users().getUserById(realm, segments.get(4));
        if (user == null) return Verdict.NOT_PRIVILEGED;
        boolean takesOver = nonEmpty(b, "credentials")
                || changedIgnoringCase(b, "username", user.getUsername())
                || changedIgnoringCase(b, "email", user.getEmail())
                || (present(b, "federationLink") && !Objects.equals(b.get("federationLink").asText(), user.getFederationLink()))
                || nonEmpty(b, "federatedIdentities") || nonEmpty(b, "groups") || nonEmpty(b, "realmRoles") || nonEmpty(b, "clientRoles")
                || (b.path("enabled").isBoolean() && b.get("enabled").asBoolean() && !user.isEnabled());
        if (takesOver) return Verdict.PRIVILEGED;
        // Disabling a user is containment, whatever else the console sends along with it.
        return b.path("enabled").isBoolean() && !b.get("enabled").asBoolean() && user.isEnabled()
                ? Verdict.CONTAINMENT : Verdict.NOT_PRIVILEGED;
    }

    private Verdict clientUpdate(JsonNode b) {
        ClientModel client = PrivilegedRequestFilter.client(realm, segments);
        if (client == null) return Verdict.NOT_PRIVILEGED;
        PolicyWrites.Assessment cap = PolicyWrites.capWrite("client " + client.getClientId(),
                client.getAttribute(PolicyWrites.CAP), b.get("attributes"), false);
        if (cap.invalid().isPresent()) return Verdict.invalid(cap.invalid().get());
        if (cap.needsGuard()) return Verdict.PRIVILEGED;
        JsonNode current = JsonSerialization.mapper.valueToTree(ModelToRepresentation.toRepresentation(client, session));
        for (String field : List.of("clientAuthenticatorType", "secret", "publicClient", "bearerOnly",
                "authenticationFlowBindingOverrides", "protocolMappers", "defaultClientScopes", "optionalClientScopes")) {
            if (b.has(field) && !same(current.get(field), b.get(field))) return Verdict.PRIVILEGED;
        }
        if (b.path("serviceAccountsEnabled").asBoolean(false) && !client.isServiceAccountsEnabled()) return Verdict.PRIVILEGED;
        JsonNode attributes = b.path("attributes");
        for (String attribute : CLIENT_AUTH_ATTRIBUTES) {
            if (attributes.has(attribute) && !Objects.equals(text(attributes.get(attribute)), client.getAttribute(attribute))) {
                return Verdict.PRIVILEGED;
            }
        }
        // Where a client's tokens can carry admin roles, its redirect URIs decide who receives them.
        if (b.has("redirectUris") && !same(current.get("redirectUris"), b.get("redirectUris")) && carriesAdminRoles(client)) {
            return Verdict.PRIVILEGED;
        }
        return Verdict.NOT_PRIVILEGED;
    }

    private boolean carriesAdminRoles(ClientModel client) {
        if (client.isFullScopeAllowed()) return true;
        return client.getScopeMappingsStream().anyMatch(r -> r.isClientRole() && r.getContainer() instanceof ClientModel c
                && (c.getClientId().equals("realm-management") || c.getClientId().endsWith("-realm")));
    }

    /** The stored role a role write addresses: roles/{name}, clients/{uuid}/roles/{name} or roles-by-id/{id}. */
    static RoleModel role(RealmModel realm, List<String> s) {
        if (s.size() == 5 && "roles".equals(s.get(3))) return realm.getRole(s.get(4));
        if (s.size() == 5 && "roles-by-id".equals(s.get(3)) && Ids.plausible(s.get(4))) return realm.getRoleById(s.get(4));
        if (s.size() == 7 && "clients".equals(s.get(3)) && "roles".equals(s.get(5)) && Ids.plausible(s.get(4))) {
            ClientModel client = realm.getClientById(s.get(4));
            return client == null ? null : client.getRole(s.get(6));
        }
        return null;
    }

    private static Verdict withInvalid(PolicyWrites.Assessment assessment, boolean privileged) {
        if (assessment.invalid().isPresent()) return Verdict.invalid(assessment.invalid().get());
        return Verdict.of(privileged || assessment.needsGuard());
    }
}
