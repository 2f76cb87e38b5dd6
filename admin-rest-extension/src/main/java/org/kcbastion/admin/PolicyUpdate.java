package org.kcbastion.admin;

import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.PolicyKey;
import org.kcbastion.core.PolicyTab;
import org.keycloak.models.ClientModel;
import org.keycloak.models.RealmModel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One way to change the policy, for the REST call and the admin-console tab alike: validate every field, then store
 * all of them or none.
 */
final class PolicyUpdate {

    /** The first bad field and why; nothing has been stored. */
    static final class Invalid extends RuntimeException {
        final String field;

        Invalid(String field, String reason) {
            super(field + ": " + reason);
            this.field = field;
        }
    }

    private PolicyUpdate() {
    }

    /**
     * Checks raw values (attribute name to value; null or blank means unset) and returns them by key.
     *
     * @throws Invalid for the first unknown attribute or bad value
     */
    static Map<PolicyKey, String> validate(RealmModel realm, Map<String, String> fields) {
        return validate(realm, fields, true);
    }

    /** {@link #validate} for a realm that does not exist yet: protected roles cannot be looked up. */
    static Map<PolicyKey, String> validateValues(Map<String, String> fields) {
        return validate(null, fields, false);
    }

    private static Map<PolicyKey, String> validate(RealmModel realm, Map<String, String> fields, boolean rolesExist) {
        Map<PolicyKey, String> changes = new LinkedHashMap<>();
        for (Map.Entry<String, String> field : fields.entrySet()) {
            PolicyKey key = PolicyKey.byAttribute(field.getKey())
                    .orElseThrow(() -> new Invalid(field.getKey(), "is not a Bastion policy attribute (see GET policy for the list)"));
            String value = field.getValue() == null ? null : field.getValue().strip();
            Optional<String> problem = BastionPolicy.validate(key, value);
            if (problem.isEmpty() && rolesExist && key == PolicyKey.IMPERSONATION_PROTECTED_ROLES && value != null) {
                problem = missingRole(realm, value);
            }
            if (problem.isPresent()) throw new Invalid(field.getKey(), problem.get());
            changes.put(key, value == null || value.isEmpty() ? null : value);
        }
        return changes;
    }

    /** Stores validated changes as realm attributes. */
    static void store(RealmModel realm, Map<PolicyKey, String> changes) {
        changes.forEach((key, value) -> {
            if (value == null) realm.removeAttribute(key.attribute());
            else realm.setAttribute(key.attribute(), value);
        });
    }

    /** Stores validated changes and mirrors the policy into the console tab's saved form, if there is one. */
    static void apply(RealmModel realm, Map<PolicyKey, String> changes) {
        store(realm, changes);
        PolicyTab.mirror(realm);
    }

    /** A protected role must exist: realm role {@code name} or client role {@code clientId/name}. */
    static Optional<String> missingRole(RealmModel realm, String roles) {
        for (String name : roles.split(",")) {
            String n = name.strip();
            if (n.isEmpty()) continue;
            int slash = n.indexOf('/');
            boolean exists;
            if (slash > 0) {
                ClientModel client = realm.getClientByClientId(n.substring(0, slash));
                exists = client != null && client.getRole(n.substring(slash + 1)) != null;
            } else {
                exists = realm.getRole(n) != null;
            }
            if (!exists) return Optional.of("role '" + n + "' does not exist in realm " + realm.getName());
        }
        return Optional.empty();
    }
}
