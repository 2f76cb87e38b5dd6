package org.kcbastion.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What a sent JSON representation changes against the stored one, read the way Keycloak applies it. */
final class JsonFields {

    private JsonFields() {
    }

    static boolean nonEmpty(JsonNode b, String field) {
        JsonNode v = b.get(field);
        if (v == null || v.isNull()) return false;
        if (v.isContainerNode()) return !v.isEmpty();
        return !v.asText().isEmpty();
    }

    static boolean present(JsonNode b, String field) {
        return b.has(field) && !b.get(field).isNull();
    }

    static boolean changedIgnoringCase(JsonNode b, String field, String stored) {
        if (!present(b, field)) return false;
        String sent = b.get(field).asText();
        return stored == null ? !sent.isEmpty() : !sent.toLowerCase(Locale.ROOT).equals(stored.toLowerCase(Locale.ROOT));
    }

    static String text(JsonNode v) {
        return v == null || v.isNull() ? null : v.isValueNode() ? v.asText() : v.toString();
    }

    /**
     * Whether a sent value equals the stored one: scalars by text ({@code 30} and {@code "30"} alike), arrays as
     * multisets, objects field by field; a value the stored side lacks counts as equal when it is empty or false.
     */
    static boolean same(JsonNode stored, JsonNode sent) {
        if (sent == null || sent.isNull()) return true; // Keycloak leaves a field it is not sent as it is
        if (stored == null || stored.isNull()) {
            return sent.isContainerNode() ? sent.isEmpty() : (sent.asText().isEmpty() || "false".equals(sent.asText()));
        }
        if (sent.isArray() && stored.isArray()) {
            List<String> a = new ArrayList<>();
            List<String> c = new ArrayList<>();
            stored.forEach(n -> a.add(canonical(n)));
            sent.forEach(n -> c.add(canonical(n)));
            a.sort(null);
            c.sort(null);
            return a.equals(c);
        }
        if (sent.isObject() && stored.isObject()) {
            var names = sent.fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                if (!same(stored.get(n), sent.get(n))) return false;
            }
            var storedNames = stored.fieldNames();
            while (storedNames.hasNext()) {
                String n = storedNames.next();
                if (!sent.has(n) && !(stored.get(n).isContainerNode() && stored.get(n).isEmpty())) return false;
            }
            return true;
        }
        return canonical(stored).equals(canonical(sent));
    }

    private static String canonical(JsonNode n) {
        if (n.isValueNode()) return n.asText();
        if (n.isArray()) {
            List<String> items = new ArrayList<>();
            n.forEach(i -> items.add(canonical(i)));
            items.sort(null);
            return items.toString();
        }
        List<String> fields = new ArrayList<>();
        n.fields().forEachRemaining(e -> fields.add(e.getKey() + "=" + canonical(e.getValue())));
        fields.sort(null);
        return fields.toString();
    }
}
