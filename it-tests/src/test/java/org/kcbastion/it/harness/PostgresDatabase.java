package org.kcbastion.it.harness;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A fresh PostgreSQL database on the harness's server (-Dit.db.url), for one Keycloak server or cluster: created with
 * a unique name, handed to Keycloak as options or environment, dropped by {@link #drop()} (also when the server did
 * not start).
 */
record PostgresDatabase(HarnessConfig config, String name) {

    /** {@code prefix} plus the current time; only letters, digits and underscores reach SQL. */
    static PostgresDatabase create(HarnessConfig config, String prefix) {
        String name = (prefix + "_" + System.currentTimeMillis()).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        config.onPostgresServer("CREATE DATABASE " + name);
        return new PostgresDatabase(config, name);
    }

    /** PostgreSQL logs every statement of this database (benchmarks count them); before Keycloak connects. */
    PostgresDatabase logStatements() {
        config.onPostgresServer("ALTER DATABASE " + name + " SET log_statement = 'all'");
        return this;
    }

    String jdbcUrl() {
        return config.dbServerUrl() + name;
    }

    /** {@code --db-url}, {@code --db-username} and, when set, {@code --db-password}; {@code --db=postgres} is the build's. */
    List<String> connectionOptions() {
        List<String> options = new ArrayList<>(List.of("--db-url=" + jdbcUrl(), "--db-username=" + config.dbUser()));
        if (!config.dbPassword().isEmpty()) options.add("--db-password=" + config.dbPassword());
        return options;
    }

    Connection connect() {
        try {
            return DriverManager.getConnection(jdbcUrl(), config.dbUser(), config.dbPassword());
        } catch (SQLException e) {
            throw new AssertionError("could not connect to " + jdbcUrl(), e);
        }
    }

    void drop() {
        config.onPostgresServer("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
}
