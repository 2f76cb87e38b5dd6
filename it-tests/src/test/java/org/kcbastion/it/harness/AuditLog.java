package org.kcbastion.it.harness;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Bastion's audit lines (category org.kcbastion.audit, one JSON object a line) from the server log. */
public final class AuditLog {
    private AuditLog() {
    }

    public static List<JsonNode> lines(KeycloakServer server, String event) {
        String marker = "\"event\":\"" + event + "\"";
        return server.log().lines()
                .filter(l -> l.contains("[org.kcbastion.audit]") && l.contains(marker))
                .map(l -> Oidc.parse(l.substring(l.indexOf('{'))))
                .toList();
    }

    /** Waits for the first {@code event} line whose {@code field} equals {@code value}. */
    public static JsonNode await(KeycloakServer server, String event, String field, String value, Duration timeout) {
        return Poll.until("audit line " + event + " with " + field + "=" + value, timeout,
                () -> lines(server, event).stream().filter(j -> value.equals(j.path(field).asText())).findFirst());
    }

    public static Optional<JsonNode> find(KeycloakServer server, String event, String field, String value) {
        return lines(server, event).stream().filter(j -> value.equals(j.path(field).asText())).findFirst();
    }
}
