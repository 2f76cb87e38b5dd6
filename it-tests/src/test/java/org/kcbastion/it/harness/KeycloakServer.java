package org.kcbastion.it.harness;

import org.keycloak.admin.client.Keycloak;

/** A running Keycloak with the Bastion JAR installed, shared by every IT class of a run. */
public interface KeycloakServer extends AutoCloseable {

    String ADMIN_USER = "admin";
    String ADMIN_PASSWORD = "admin-it-password";

    /** Base URL without a trailing slash, e.g. {@code http://127.0.0.1:41234}. */
    String baseUrl();

    /** The management interface (health, {@code /metrics}), without a trailing slash. */
    String managementUrl();

    /** A JDBC connection to Keycloak's database while it runs (PostgreSQL runs only), for at-rest checks. */
    default java.util.Optional<java.sql.Connection> openDatabase() {
        return java.util.Optional.empty();
    }

    /** Admin client for the master realm's bootstrap admin. */
    Keycloak admin();

    /** The server's log so far (startup included). */
    String log();

    /** The last {@code lines} lines of the server log, for failure messages. */
    default String logTail(int lines) {
        String[] all = log().split("\n", -1);
        int from = Math.max(0, all.length - lines);
        return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
    }

    /** Seconds from launch until the server answered ready. */
    double startSeconds();

    @Override
    void close();
}
