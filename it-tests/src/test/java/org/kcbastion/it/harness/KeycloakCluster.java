package org.kcbastion.it.harness;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Two Keycloak nodes (the distribution under test) on this machine forming one cluster: production mode ({@code start --optimized}, built
 * once), {@code --cache=ispn} with the default {@code jdbc-ping} discovery over a fresh PostgreSQL database, loopback
 * bind addresses, distinct HTTP, management and JGroups ports, and the same Bastion HMAC key. {@link #start} fails, with
 * both logs' tails, unless each node's log shows a cluster view of two members.
 */
public final class KeycloakCluster implements AutoCloseable {

    /** One node; it answers like any {@link KeycloakServer}. */
    public static final class Node extends LaunchedServer {

        Node(String name, Process process, Path log, String baseUrl, String managementUrl, double startSeconds) {
            super(name, process, log, baseUrl, managementUrl, startSeconds);
        }

        /** SIGKILL to the node's JVM and its launcher: no shutdown hooks, no goodbye to the cluster. */
        public void kill() {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            stop();
        }
    }

    private final Node a;
    private final Node b;
    private final PostgresDatabase database;
    private final HarnessConfig config;
    private final double formSeconds;

    private KeycloakCluster(Node a, Node b, PostgresDatabase database, HarnessConfig config, double formSeconds) {
        this.a = a;
        this.b = b;
        this.database = database;
        this.config = config;
        this.formSeconds = formSeconds;
    }

    public Node a() {
        return a;
    }

    public Node b() {
        return b;
    }

    /** Seconds from the first build step until both nodes were ready and clustered. */
    public double formSeconds() {
        return formSeconds;
    }

    public static KeycloakCluster start() {
        HarnessConfig config = HarnessConfig.fromSystemProperties();
        long began = System.nanoTime();
        Path root = config.workDir().resolve("cluster");
        Path homeA = root.resolve("node-a");
        Path homeB = root.resolve("node-b");
        Distribution.deleteRecursively(root);
        Distribution.unpacked(config).copyTo(homeA).withBastionAndTestProviders(config);
        PostgresDatabase db = PostgresDatabase.create(config, "bastion_cluster");
        Node a = null;
        try {
            // Keycloak has no option for it: without validation, requests that draw a connection the database closed
            // (restart, failover) answer 500 until each dead connection has failed once. Operators set this too.
            Files.writeString(homeA.resolve("conf/quarkus.properties"), "quarkus.datasource.jdbc.foreground-validation-interval=1S\n");
            run(homeA, root.resolve("build.log"), List.of(homeA.resolve("bin/kc.sh").toString(), "build", "--db=postgres",
                    "--cache=ispn", "--health-enabled=true", "--metrics-enabled=true", "--features=declarative-ui"));
            Distribution.at(homeA).copyTo(homeB);
            // Node a takes the key from the environment (how a Kubernetes Secret arrives), node b from Keycloak's
            // config keystore (PKCS12): the cross-node tests prove both routes give the same digests.
            a = launch("a", homeA, root.resolve("node-a.log"), db, List.of(), Map.of(HMAC_KEY_ENV, HMAC_KEY));
            Path keystore = homeB.resolve("conf/bastion-keystore.p12");
            configKeystore(keystore, "kc.spi-events-listener--bastion-security--hmac-key", HMAC_KEY);
            Node b = launch("b", homeB, root.resolve("node-b.log"), db,
                    List.of("--config-keystore=" + keystore, "--config-keystore-password=" + KEYSTORE_PASSWORD), Map.of());
            awaitView(a, b);
            for (Node n : List.of(a, b)) {
                if (n.log().contains("Bastion: no hmac-key configured")) {
                    throw new AssertionError("node " + n.name + " runs without the configured HMAC key:\n"
                            + LaunchedServer.tail(n.log, 60));
                }
            }
            return new KeycloakCluster(a, b, db, config, (System.nanoTime() - began) / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (AssertionError | RuntimeException e) {
            if (a != null) a.close();
            db.drop();
            throw e;
        }
    }

    public static final String HMAC_KEY = "it-cluster-hmac-key-0123456789abcdef0123456789";
    /** Keycloak's environment form of {@code --spi-events-listener--bastion-security--hmac-key}. */
    public static final String HMAC_KEY_ENV = "KC_SPI_EVENTS_LISTENER__BASTION_SECURITY__HMAC_KEY";

    /** How a node launched without the HMAC key ended. */
    public record Refusal(int exitCode, String log) {
    }

    /**
     * A third node of the same build and database, without any HMAC key: it must refuse to start. Waits for its
     * process to end; fails with its log if it is still running (it started) after {@code timeout}.
     */
    public Refusal launchWithoutKey(java.time.Duration timeout) {
        Path root = config.workDir().resolve("cluster");
        Path homeC = root.resolve("node-c");
        Distribution.at(root.resolve("node-a")).copyTo(homeC);
        Path log = root.resolve("node-c.log");
        List<String> command = nodeCommand(homeC, database, Ports.freeLoopbackPort(), Ports.freeLoopbackPort(), Ports.freeLoopbackPort());
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(homeC.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().remove(HMAC_KEY_ENV);
            Process p = builder.start();
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                LaunchedServer.stop(p);
                throw new AssertionError("node c, without an HMAC key, was still running after " + timeout + ":\n"
                        + LaunchedServer.tail(log, 60));
            }
            return new Refusal(p.exitValue(), Files.readString(log));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
    private static final String KEYSTORE_PASSWORD = "it-keystore-password";

    /** A PKCS12 config keystore holding one option, written by the JDK's keytool. */
    static void configKeystore(Path keystore, String alias, String value) {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        try {
            Process p = new ProcessBuilder(keytool.toString(), "-importpass", "-alias", alias, "-keystore", keystore.toString(),
                    "-storepass", KEYSTORE_PASSWORD, "-storetype", "PKCS12").redirectErrorStream(true).start();
            p.getOutputStream().write((value + "\n" + value + "\n").getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError("keytool failed: " + out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static Node launch(String name, Path home, Path log, PostgresDatabase db, List<String> keyOptions,
                               Map<String, String> env) {
        int http = Ports.freeLoopbackPort();
        int management = Ports.freeLoopbackPort();
        List<String> command = nodeCommand(home, db, http, management, Ports.freeLoopbackPort());
        // One key for both nodes: digests and rate-limit slots must agree across the cluster.
        command.addAll(keyOptions);
        LaunchedServer.Started started = LaunchedServer.launch("node " + name, home, command, env, log, management);
        return new Node(name, started.process(), log, "http://127.0.0.1:" + http, "http://127.0.0.1:" + management, started.seconds());
    }

    private static List<String> nodeCommand(Path home, PostgresDatabase db, int http, int management, int jgroups) {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/kc.sh").toString(), "start", "--optimized",
                "--http-enabled=true", "--hostname-strict=false", "--http-host=127.0.0.1", "--http-port=" + http,
                "--http-management-port=" + management,
                "--cache-embedded-network-bind-address=127.0.0.1", "--cache-embedded-network-bind-port=" + jgroups,
                "--log-level=INFO",
                "--spi-bastion-session-limit--default--sweep-interval=" + ProcessKeycloakServer.SWEEP_INTERVAL_SECONDS));
        command.addAll(db.connectionOptions());
        return command;
    }

    /** Both logs must show Infinispan's cluster view with two members. */
    private static void awaitView(Node a, Node b) {
        try {
            Poll.untilTrue("a cluster view of two members in both node logs", java.time.Duration.ofSeconds(60),
                    () -> hasTwoMemberView(a.log()) && hasTwoMemberView(b.log()));
        } catch (AssertionError e) {
            throw new AssertionError("The two nodes did not form one cluster.\nnode a:\n" + LaunchedServer.tail(a.log, 60)
                    + "\nnode b:\n" + LaunchedServer.tail(b.log, 60), e);
        }
    }

    static boolean hasTwoMemberView(String log) {
        return log.lines().anyMatch(l -> l.contains("ISPN000094") && l.contains("(2)"));
    }

    static void run(Path home, Path log, List<String> command) {
        LaunchedServer.runToCompletion(home, log, command, Map.of());
    }

    /** A JDBC connection to the cluster's database. */
    public Connection openDatabase() {
        return database.connect();
    }

    /**
     * A database outage as the nodes see a restart or failover: every connection to the cluster's database is
     * terminated and new ones are refused until {@link DatabaseOutage#close()}. Only this cluster's database is
     * touched, so the PostgreSQL server other tests share keeps running.
     */
    public DatabaseOutage databaseOutage() {
        config.onPostgresServer("ALTER DATABASE " + database.name() + " ALLOW_CONNECTIONS false");
        config.onPostgresServer("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database.name() + "'");
        return new DatabaseOutage(() -> config.onPostgresServer("ALTER DATABASE " + database.name() + " ALLOW_CONNECTIONS true"));
    }

    /** Ends the outage when closed. */
    public static final class DatabaseOutage implements AutoCloseable {
        private final Runnable end;
        private boolean ended;

        DatabaseOutage(Runnable end) {
            this.end = end;
        }

        @Override
        public void close() {
            if (!ended) end.run();
            ended = true;
        }
    }

    @Override
    public void close() {
        try {
            b.close();
        } finally {
            try {
                a.close();
            } finally {
                database.drop();
            }
        }
    }
}
