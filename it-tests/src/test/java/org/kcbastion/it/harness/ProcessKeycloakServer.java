package org.kcbastion.it.harness;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Keycloak from the official distribution (unpacked by Maven under {@code target/}), run as a child process with
 * {@code kc.sh start-dev} on free loopback ports. This is the default backend: it needs no Docker.
 */
final class ProcessKeycloakServer extends LaunchedServer {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
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
        Path home = config.keycloakHome();
        if (!Files.isExecutable(home.resolve("bin/kc.sh"))) {
            throw new AssertionError("No Keycloak distribution at " + home
                    + " (it is unpacked by `mvn verify` in the pre-integration-test phase)");
        }
        installProviders(home, config);
        deleteRecursively(home.resolve("data"));
        writeAuditHandler(home);

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

    private static void writeAuditHandler(Path home) {
        try {
            Files.writeString(home.resolve("conf/quarkus.properties"), AUDIT_HANDLER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Optional<Path> auditFile() {
        return Optional.of(home.resolve("data/log/bastion-audit.json"));
    }

    static void awaitReady(Process process, int managementPort, Path logFile) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI ready = URI.create("http://127.0.0.1:" + managementPort + "/health/ready");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("Keycloak exited with code " + process.exitValue()
                        + " before it was ready. Last 200 lines of " + logFile + ":\n" + tail(logFile, 200));
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for Keycloak", e);
            }
            try {
                process.waitFor(500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for Keycloak", e);
            }
        }
        throw new AssertionError("Keycloak was not ready within " + START_TIMEOUT.toSeconds()
                + " s. Last 200 lines of " + logFile + ":\n" + tail(logFile, 200));
    }

    static void installProviders(Path home, HarnessConfig config) {
        Path providers = home.resolve("providers");
        try (Stream<Path> old = Files.list(providers)) {
            for (Path jar : old.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.delete(jar);
            }
            for (Path jar : List.of(config.bastionJar(), config.testProvidersJar())) {
                if (!Files.isRegularFile(jar)) {
                    throw new AssertionError("Provider JAR missing: " + jar + " (run `mvn verify` from the root)");
                }
                Files.copy(jar, providers.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not install providers into " + providers, e);
        }
    }

    @Override
    public Optional<Connection> openDatabase() {
        return database.connect();
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            database.drop();
        }
    }

    /** SIGTERM to kc.sh (it forwards it to the JVM), then SIGKILL to whatever is left after the deadline. */
    static void stop(Process process) {
        List<ProcessHandle> tree = Stream.concat(Stream.of(process.toHandle()), process.toHandle().descendants()).toList();
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (ProcessHandle p : tree) {
            try {
                p.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete " + dir, e);
        }
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
