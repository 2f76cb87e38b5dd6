package org.kcbastion.core;

import org.jboss.logging.Logger;
import org.keycloak.util.JsonSerialization;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bastion's audit log: one JSON object per line on the category {@value #CATEGORY}, so operators can route it to a
 * SIEM with Keycloak's logging options alone. Lines hold no secrets: session ids only as digests.
 */
public final class SecurityAudit {

    public static final String CATEGORY = "org.kcbastion.audit";
    /**
     * Version of the line format, first field of every line. Raised when a field is renamed or removed or changes
     * meaning; adding fields or events keeps it.
     */
    public static final int SCHEMA = 1;
    private static final Logger LOG = Logger.getLogger(CATEGORY);

    private SecurityAudit() {
    }

    /** Logs {@code event} with {@code realm} and the details, in the order given. */
    public static void record(String event, String realm, Map<String, ?> details) {
        LOG.info(line(event, realm, details));
    }

    static String line(String event, String realm, Map<String, ?> details) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("schema", SCHEMA);
        json.put("time", Instant.now().toString());
        json.put("event", event);
        json.put("realm", realm);
        json.putAll(details);
        try {
            return JsonSerialization.writeValueAsString(json);
        } catch (IOException e) {
            // Fall back to a line that still parses, rather than losing the audit record.
            return "{\"event\":\"" + event + "\",\"serialization_error\":true}";
        }
    }
}
