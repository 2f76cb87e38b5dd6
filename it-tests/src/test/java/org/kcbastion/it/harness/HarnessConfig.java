package org.kcbastion.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The harness settings, all system properties set by failsafe (see it-tests/pom.xml) and overridable with -D:
 * {@code it.server} (process|container), {@code it.db} (h2|postgres), {@code it.db.url} (a PostgreSQL server URL
 * ending in '/', default {@code jdbc:postgresql://127.0.0.1:5432/}; a fresh database is created on it per run),
 * {@code it.db.user} (postgres), {@code it.db.password} (empty), {@code it.db.log-statements} (false; true makes
 * PostgreSQL log every statement of that database, for {@link PostgresLog}), {@code it.keycloak.options} (extra server
 * options).
 */
record HarnessConfig(String server, String db, String dbServerUrl, String dbUser, String dbPassword, Path keycloakHome,
                     String keycloakVersion, Path bastionJar, Path testProvidersJar, Path workDir,
                     List<String> extraServerOptions) {

    static HarnessConfig fromSystemProperties() {
        Path work = Path.of(prop("it.work.dir", "target/it-work"));
        try {
            Files.createDirectories(work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String dbUrl = prop("it.db.url", "");
        if (dbUrl.isBlank()) dbUrl = "jdbc:postgresql://127.0.0.1:5432/";
        if (!dbUrl.endsWith("/")) dbUrl = dbUrl + "/";
        String extra = prop("it.keycloak.options", "");
        return new HarnessConfig(
                prop("it.server", "process"),
                prop("it.db", "h2"),
                dbUrl,
                prop("it.db.user", "postgres"),
                prop("it.db.password", ""),
                Path.of(required("keycloak.home")),
                prop("keycloak.version", "26.7.5"),
                Path.of(required("bastion.jar")),
                Path.of(required("bastion.test-providers.jar")),
                work,
                extra.isBlank() ? List.of() : Arrays.asList(extra.trim().split("\\s+")));
    }

    /** Runs one statement on the PostgreSQL server's {@code postgres} database (create, drop, alter databases). */
    void onPostgresServer(String statement) {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(dbServerUrl + "postgres", dbUser, dbPassword);
             java.sql.Statement s = c.createStatement()) {
            s.execute(statement);
        } catch (java.sql.SQLException e) {
            throw new AssertionError("PostgreSQL at " + dbServerUrl + " refused `" + statement + "`: " + e.getMessage(), e);
        }
    }

    private static String prop(String key, String fallback) {
        String v = System.getProperty(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private static String required(String key) {
        String v = System.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new AssertionError("System property " + key + " is not set: run the ITs through `mvn verify`");
        }
        return v;
    }
}
