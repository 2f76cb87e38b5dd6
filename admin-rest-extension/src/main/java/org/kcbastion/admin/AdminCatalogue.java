package org.kcbastion.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
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
 * user, revoking) never does, whatever {@code bastion.stepUp.scope} says. The catalogue is data ({@value #TABLE}, beside
 * this class) and reads top to bottom; the rules are code.
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

    /** The table itself, in the JAR beside this class: one row a routed method, read top to bottom. */
    static final String TABLE = "admin-catalogue.tsv";

    private static final Map<String, Entry> ENTRIES = read(TABLE);

    /** Reads a catalogue table; a malformed row, an unknown rule or a method listed twice stops Bastion from loading. */
    static Map<String, Entry> read(String resource) {
        try (InputStream in = AdminCatalogue.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("Missing from the JAR: " + resource);
            return parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Entry> parse(String source, String table) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        String[] lines = table.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] cells = line.split("\t", -1);
            String where = source + " line " + (i + 1) + ": ";
            if (cells.length != 4 || Arrays.stream(cells).anyMatch(String::isBlank)) {
                throw new IllegalStateException(where + "needs four tab-separated cells (routed method, action, rule, why)");
            }
            Rule rule = Arrays.stream(Rule.values()).filter(r -> r.name().equals(cells[2])).findFirst()
                    .orElseThrow(() -> new IllegalStateException(where + "unknown rule " + cells[2]));
            if (!cells[0].matches("[A-Za-z]+#(\\*|[A-Za-z]+)")) {
                throw new IllegalStateException(where + "not a routed method (ResourceClass#method): " + cells[0]);
            }
            if (entries.put(cells[0], new Entry(cells[1], rule, cells[3])) != null) {
                throw new IllegalStateException(where + "twice in the catalogue: " + cells[0]);
            }
        }
        return Collections.unmodifiableMap(entries);
    }

    private AdminCatalogue() {
    }

    /** Keycloak's impersonation endpoint, whichever path spelling reached it. */
    static boolean isImpersonation(Class<?> resourceClass, String method) {
        return resourceClass != null && "UserResource".equals(resourceClass.getSimpleName()) && "impersonate".equals(method);
    }

    /**
     * The entry for a routed method: exact, else the resource's wildcard, else the authorization services of
     * Keycloak's admin clients ({@code org.keycloak.authorization.admin}, judged by {@link Rule#ADMIN_AUTHZ}).
     */
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
