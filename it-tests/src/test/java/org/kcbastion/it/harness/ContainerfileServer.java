package org.kcbastion.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The repository's {@code Containerfile} replayed on the distribution without a container engine: the JAR its
 * {@code COPY} installs, exactly the options of its {@code kc.sh build} line, then its {@code CMD}
 * ({@code start --optimized}) with the runtime settings the file's comment names, on a fresh PostgreSQL database.
 */
public final class ContainerfileServer extends LaunchedServer implements AutoCloseable {

    private static final Pattern BUILD = Pattern.compile("(?m)^RUN /opt/keycloak/bin/kc\\.sh build (.+)$");
    private static final Pattern CMD = Pattern.compile("(?m)^CMD \\[(.+)]$");
    private static final Pattern VERSION = Pattern.compile("(?m)^ARG KEYCLOAK_VERSION=(\\S+)$");

    private final PostgresDatabase database;

    private ContainerfileServer(Started started, Path log, int http, int management, PostgresDatabase database) {
        super("containerfile", started.process(), log, "http://127.0.0.1:" + http, "http://127.0.0.1:" + management, started.seconds());
        this.database = database;
    }

    /** The options of the Containerfile's {@code kc.sh build} line. */
    public static List<String> buildOptions(String containerfile) {
        Matcher m = BUILD.matcher(containerfile);
        if (!m.find()) throw new AssertionError("no `RUN /opt/keycloak/bin/kc.sh build ...` line in the Containerfile");
        return Arrays.asList(m.group(1).trim().split("\\s+"));
    }

    /** The Containerfile's {@code CMD}, as arguments of {@code kc.sh}. */
    public static List<String> command(String containerfile) {
        Matcher m = CMD.matcher(containerfile);
        if (!m.find()) throw new AssertionError("no CMD [...] line in the Containerfile");
        return Arrays.stream(m.group(1).split(",")).map(s -> s.trim().replaceAll("^\"|\"$", "")).toList();
    }

    public static String keycloakVersion(String containerfile) {
        Matcher m = VERSION.matcher(containerfile);
        if (!m.find()) throw new AssertionError("no ARG KEYCLOAK_VERSION=... line in the Containerfile");
        return m.group(1);
    }

    public static ContainerfileServer start(Path containerfile, String hmacKey) {
        HarnessConfig config = HarnessConfig.fromSystemProperties();
        String text;
        try {
            text = Files.readString(containerfile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path home = Distribution.unpacked(config).copyTo(config.workDir().resolve("containerfile")).withoutData().withProviders(List.of())
                .home();
        try {
            // The image has no conf/quarkus.properties: the test harness's audit handler stays out.
            Files.deleteIfExists(home.resolve("conf/quarkus.properties"));
            // COPY dist/target/keycloak-bastion-*.jar /opt/keycloak/providers/
            Files.copy(config.bastionJar(), home.resolve("providers/keycloak-bastion.jar"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String kc = home.resolve("bin/kc.sh").toString();
        List<String> build = new ArrayList<>(List.of(kc, "build"));
        build.addAll(buildOptions(text));
        KeycloakCluster.run(home, config.workDir().resolve("containerfile-build.log"), build);

        PostgresDatabase db = PostgresDatabase.create(config, "bastion_containerfile");
        int http = Ports.freeLoopbackPort();
        int management = Ports.freeLoopbackPort();
        List<String> start = new ArrayList<>(List.of(kc));
        start.addAll(command(text));
        // What a container gets from its environment and the host name; loopback ports stand in for the network.
        start.addAll(List.of("--http-enabled=true", "--hostname-strict=false", "--http-host=127.0.0.1", "--http-port=" + http,
                "--http-management-port=" + management, "--cache-embedded-network-bind-address=127.0.0.1",
                "--cache-embedded-network-bind-port=" + Ports.freeLoopbackPort()));
        Map<String, String> env = new java.util.HashMap<>(Map.of("KC_DB_URL", db.jdbcUrl(), "KC_DB_USERNAME", config.dbUser(),
                KeycloakCluster.HMAC_KEY_ENV, hmacKey));
        if (!config.dbPassword().isEmpty()) env.put("KC_DB_PASSWORD", config.dbPassword());
        Path log = config.workDir().resolve("containerfile.log");
        try {
            Started started = launch("containerfile", home, start, env, log, management);
            return new ContainerfileServer(started, log, http, management, db);
        } catch (AssertionError | RuntimeException e) {
            db.drop();
            throw e;
        }
    }

    @Override
    public void close() {
        stopThen(database::drop);
    }
}
