package org.kcbastion.admin;

import com.fasterxml.jackson.databind.JsonNode;
import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.PolicyKey;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

import static org.kcbastion.admin.JsonFields.text;

/**
 * What a write through one of Keycloak's own admin endpoints would do to Bastion's policy: which policy attributes it
 * changes (those need the same step-up as {@code PUT bastion/policy}) and whether the values are valid (a bad one is
 * refused with 400 before anything is stored). Pure logic over the request body, so every spelling of every endpoint
 * is judged by the same rules.
 */
final class PolicyWrites {

    /** {@code changed}: attributes whose change needs a step-up; {@code invalid}: the first bad field, if any. */
    record Assessment(List<String> changed, Optional<PolicyUpdate.Invalid> invalid) {
        static final Assessment NONE = new Assessment(List.of(), Optional.empty());

        boolean needsGuard() {
            return !changed.isEmpty();
        }

        Assessment plus(Assessment other) {
            List<String> all = new ArrayList<>(changed);
            all.addAll(other.changed);
            return new Assessment(all, invalid.isPresent() ? invalid : other.invalid);
        }
    }

    static final String CAP = BastionPolicy.CAP_ATTRIBUTE;

    private PolicyWrites() {
    }

    /**
     * A realm update ({@code PUT /admin/realms/{realm}}, {@code PUT ui-ext}): Keycloak sets every attribute sent and,
     * when {@code attributes} is present at all, removes the ones left out ({@code DefaultExportImportManager.updateRealm});
     * without {@code attributes} it touches none. Values are the sent ones, validated as {@code PUT policy} does.
     */
    static Map<String, String> changedRealmAttributes(Map<String, String> current, JsonNode attributes) {
        Map<String, String> changed = new LinkedHashMap<>();
        if (attributes == null || attributes.isNull()) return changed;
        for (PolicyKey key : PolicyKey.values()) {
            String now = current.get(key.attribute());
            String after = text(attributes.get(key.attribute()));
            if (!Objects.equals(now, after)) changed.put(key.attribute(), after);
        }
        return changed;
    }

    /** A new realm ({@code POST /admin/realms}): every policy attribute it carries is a change from the defaults. */
    static Map<String, String> newRealmAttributes(JsonNode attributes) {
        Map<String, String> set = new LinkedHashMap<>();
        if (attributes == null || !attributes.isObject()) return set;
        for (PolicyKey key : PolicyKey.values()) {
            String value = text(attributes.get(key.attribute()));
            if (value != null) set.put(key.attribute(), value);
        }
        return set;
    }

    /**
     * A client or role cap written through Keycloak's own endpoint. A cap only ever shortens sessions (the effective
     * cap is the smallest that applies), so setting or lowering one is harmless and needs no step-up; raising or removing
     * one loosens the policy and does. {@code current} is the stored value (null for a new client or role).
     */
    static Assessment capWrite(String what, String current, JsonNode attributes, boolean replacesMissing) {
        if (attributes == null || attributes.isNull() || !attributes.isObject()) return Assessment.NONE;
        JsonNode sent = attributes.get(CAP);
        if (sent == null && !replacesMissing) return Assessment.NONE;
        String after = sent == null ? null : text(first(sent));
        if (after != null && !after.isBlank() && BastionPolicy.parseCapSeconds(after).isEmpty()) {
            return new Assessment(List.of(), Optional.of(new PolicyUpdate.Invalid(what + " " + CAP,
                    "'" + after + "' is not a whole number of seconds from " + BastionPolicy.MIN_CAP_SECONDS + " to "
                            + BastionPolicy.MAX_CAP_SECONDS)));
        }
        OptionalInt before = BastionPolicy.parseCapSeconds(current);
        OptionalInt now = BastionPolicy.parseCapSeconds(after);
        boolean loosens = before.isPresent() && (now.isEmpty() || now.getAsInt() > before.getAsInt());
        return loosens ? new Assessment(List.of(what + " " + CAP), Optional.empty()) : Assessment.NONE;
    }

    /**
     * {@code POST partialImport}: clients and roles may carry caps; an existing one may be overwritten
     * ({@code ifResourceExists=OVERWRITE}), which cannot be told from the body alone, so every cap in an import needs
     * a step-up, and every one is validated.
     */
    static Assessment partialImport(JsonNode body) {
        Assessment result = Assessment.NONE;
        if (body == null || !body.isObject()) return result;
        for (JsonNode client : iterable(body.path("clients"))) {
            result = result.plus(importedCap("client " + client.path("clientId").asText("?"), client.path("attributes")));
        }
        for (JsonNode role : iterable(body.path("roles").path("realm"))) {
            result = result.plus(importedCap("role " + role.path("name").asText("?"), role.path("attributes")));
        }
        Iterator<Map.Entry<String, JsonNode>> clientRoles = body.path("roles").path("client").fields();
        while (clientRoles.hasNext()) {
            Map.Entry<String, JsonNode> entry = clientRoles.next();
            for (JsonNode role : iterable(entry.getValue())) {
                result = result.plus(importedCap("role " + entry.getKey() + "/" + role.path("name").asText("?"), role.path("attributes")));
            }
        }
        return result;
    }

    private static Assessment importedCap(String what, JsonNode attributes) {
        if (!attributes.isObject() || !attributes.has(CAP)) return Assessment.NONE;
        Assessment validity = capWrite(what, null, attributes, false);
        if (validity.invalid().isPresent()) return validity;
        return new Assessment(List.of(what + " " + CAP), Optional.empty());
    }

    private static Iterable<JsonNode> iterable(JsonNode node) {
        return node != null && node.isArray() ? node : List.of();
    }

    /** Role attributes are lists; client and realm attributes are strings. */
    private static JsonNode first(JsonNode value) {
        return value.isArray() ? (value.isEmpty() ? null : value.get(0)) : value;
    }
}
