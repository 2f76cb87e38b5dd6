package org.kcbastion.it.harness;

import org.keycloak.admin.client.Keycloak;

import java.nio.file.Path;
import java.util.Optional;

/** A running Keycloak with the Bastion JAR installed, shared by every IT class of a run. */
public interface KeycloakServer extends AutoCloseable {

    /** Where this server writes Bastion's audit stream as a file of its own (docs/events-and-metrics.md), if it does. */
    default Optional<Path> auditFile() {
        return Optional.empty();
    }

    /** The bootstrap admin user (a person: Bastion asks it for a step-up like any admin). */
    String ADMIN_USER = "admin";
    String ADMIN_PASSWORD = "admin-it-password";
    /**
     * The bootstrap service account ({@code KC_BOOTSTRAP_ADMIN_CLIENT_ID}), master {@code admin} role: the harness sets
     * realms up through it, as Terraform or keycloak-config-cli would, so Bastion's sudo mode lets it pass by default.
     */
    String ADMIN_CLIENT_ID = "bastion-it-bootstrap";
    String ADMIN_CLIENT_SECRET = "bastion-it-bootstrap-secret-0123456789";
    /** The username Keycloak gives that service account: what audit lines and alerts name as the admin. */
    String ADMIN_ACTOR = "service-account-" + ADMIN_CLIENT_ID;

    /** Base URL without a trailing slash, e.g. {@code http://127.0.0.1:41234}. */
    String baseUrl();

    /** The management interface (health, {@code /metrics}), without a trailing slash. */
    String managementUrl();

    /** A JDBC connection to Keycloak's database while it runs (PostgreSQL runs only), for at-rest checks. */
    default java.util.Optional<java.sql.Connection> openDatabase() {
        return java.util.Optional.empty();
    }

    /** Admin client for the master realm's bootstrap service account ({@link #ADMIN_CLIENT_ID}). */
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

    /** An admin client signed in as the bootstrap service account. */
    static Keycloak serviceAccountClient(String baseUrl) {
        return org.keycloak.admin.client.KeycloakBuilder.builder().serverUrl(baseUrl).realm("master")
                .grantType(org.keycloak.OAuth2Constants.CLIENT_CREDENTIALS).clientId(ADMIN_CLIENT_ID).clientSecret(ADMIN_CLIENT_SECRET)
                .build();
    }
}
