package org.kcbastion.it.harness;


import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keycloak from the official distribution (unpacked by Maven under {@code target/}), run as a child process with
 * {@code kc.sh start-dev} on free loopback ports. This is the default backend: it needs no Docker.
 */
final class ProcessKeycloakServer extends LaunchedServer {

    /**
     * The session-limit sweeper's interval on the test server: 3 s, so a test waits seconds; a benchmark may set
     * {@code -Dit.sweep.interval} to leave idle time between long sweeps.
     */
    static final int SWEEP_INTERVAL_SECONDS = Integer.getInteger("it.sweep.interval", 3);
    /** How often Keycloak's SSF transmitter drains its push outbox on the test server (Keycloak's default: 30 s). */
    static final String SSF_OUTBOX_INTERVAL = "500ms";

    private final Database database;
    private final Path home;

    private ProcessKeycloakServer(Process process, Path logFile, String baseUrl, String managementUrl, double startSeconds,
                                  Database database, Path home) {
        super("keycloak", process, logFile, baseUrl, managementUrl, startSeconds);
        this.database = database;
        this.home = home;
    }

    static KeycloakServer start(HarnessConfig config) {
        Path home = Distribution.unpacked(config).withBastionAndTestProviders(config).withoutData()
                .withFile("conf/quarkus.properties", AUDIT_HANDLER).home();

        Database database = Database.create(config);
        int httpPort = Ports.freeLoopbackPort();
        int managementPort = Ports.freeLoopbackPort();
        List<String> command = new ArrayList<>(List.of(
                home.resolve("bin/kc.sh").toString(), "start-dev",
                "--http-host=127.0.0.1",
                "--http-port=" + httpPort,
                "--http-management-port=" + managementPort,
                "--health-enabled=true",
                "--metrics-enabled=true",
                // declarative-ui shows Bastion's policy tab in the admin console (PolicyConsoleIT); ssf is Keycloak's
                // Shared Signals transmitter (SharedSignalsIT), which stays idle in realms that do not turn it on.
                "--features=declarative-ui,ssf",
                // Push within a second instead of every 30 s, to loopback receivers.
                "--spi-ssf-transmitter--default--outbox-drainer-interval=" + SSF_OUTBOX_INTERVAL,
                "--spi-ssf-transmitter--default--allow-insecure-push-targets=true",
                // The sweeper's debug line ("sweep: read R sessions, judged J, ended E") lets a test count sweeps.
                "--log-level=INFO,org.kcbastion.sessionlimits:debug",
                // Short sweeps, so a test waits seconds, not the production default of a minute.
                "--spi-bastion-session-limit--default--sweep-interval=" + SWEEP_INTERVAL_SECONDS));
        command.addAll(database.keycloakOptions());
        command.addAll(config.extraServerOptions());

        Path logFile = config.workDir().resolve("keycloak.log");
        Started started;
        try {
            started = launch("keycloak", home, command, Map.of(), logFile, managementPort);
        } catch (AssertionError | RuntimeException e) {
            database.drop();
            throw e;
        }
        return new ProcessKeycloakServer(started.process(), logFile, "http://127.0.0.1:" + httpPort, "http://127.0.0.1:" + managementPort,
                started.seconds(), database, home);
    }

    /** The five lines of docs/events-and-metrics.md: Bastion's audit category also goes to a JSON file of its own. */
    static final String AUDIT_HANDLER = """
            quarkus.log.handler.file."bastion-audit".enable=true
            quarkus.log.handler.file."bastion-audit".path=data/log/bastion-audit.json
            quarkus.log.handler.file."bastion-audit".format=%s%n
            quarkus.log.category."org.kcbastion.audit".handlers=bastion-audit
            quarkus.log.file.json.enabled=false
            """;

    @Override
    public Optional<Path> auditFile() {
        return Optional.of(home.resolve("data/log/bastion-audit.json"));
    }

    @Override
    public Optional<Connection> openDatabase() {
        return database.connect();
    }

    @Override
    public void close() {
        stopThen(database::drop);
    }

    /** The server's database: H2 in {@code data/} (deleted before each run), or a fresh PostgreSQL database. */
    private interface Database {
        List<String> keycloakOptions();

        void drop();

        /** A JDBC connection to Keycloak's database, when the harness can open one while Keycloak runs. */
        default Optional<Connection> connect() {
            return Optional.empty();
        }

        static Database create(HarnessConfig config) {
            if (config.db().equals("h2")) {
                return new Database() {
                    public List<String> keycloakOptions() {
                        return List.of("--db=dev-file");
                    }

                    public void drop() {
                    }
                };
            }
            if (!config.db().equals("postgres")) {
                throw new AssertionError("it.db must be h2 or postgres, not '" + config.db() + "'");
            }
            PostgresDatabase db = PostgresDatabase.create(config, "bastion_it");
            // For benchmarks that count statements (PostgresLog); set before Keycloak opens its first connection.
            if (Boolean.getBoolean("it.db.log-statements")) db.logStatements();
            return new Database() {
                public List<String> keycloakOptions() {
                    List<String> options = new ArrayList<>(List.of("--db=postgres"));
                    options.addAll(db.connectionOptions());
                    return options;
                }

                public void drop() {
                    db.drop();
                }

                public Optional<Connection> connect() {
                    return Optional.of(db.connect());
                }
            };
        }
    }
}
