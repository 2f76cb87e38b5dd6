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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One Keycloak (the distribution under test) in production mode for benchmarks: built once
 * ({@code kc.sh build --db=postgres --cache=local}), then {@code start --optimized} with a fixed heap, on a fresh PostgreSQL database whose
 * statements PostgreSQL logs ({@code ALTER DATABASE ... SET log_statement = 'all'}), so statements can be counted per database. With
 * {@code withBastion} false the providers folder is empty: stock Keycloak, everything else identical.
 */
public final class ProductionServer extends LaunchedServer {

    /** The same heap for every server measured against another. */
    public static final String HEAP = "-Xms1g -Xmx1g";

    private final PostgresDatabase database;

    private ProductionServer(String name, Process process, Path log, String baseUrl, String managementUrl, PostgresDatabase database,
                             double startSeconds) {
        super(name, process, log, baseUrl, managementUrl, startSeconds);
        this.database = database;
    }

    public static ProductionServer start(String name, boolean withBastion, List<String> extraOptions) {
        HarnessConfig config = HarnessConfig.fromSystemProperties();
        // Bastion alone (no test providers): the benchmark compares what operators deploy with stock Keycloak.
        Path home = Distribution.unpacked(config).copyTo(config.workDir().resolve("production").resolve(name))
                .withProviders(withBastion ? List.of(config.bastionJar()) : List.of()).home();
        PostgresDatabase db = PostgresDatabase.create(config, "bastion_bench_" + name).logStatements();
        KeycloakCluster.run(home, home.resolve("build.log"), List.of(home.resolve("bin/kc.sh").toString(), "build",
                "--db=postgres", "--cache=local", "--health-enabled=true", "--metrics-enabled=true"));
        int http = Ports.freeLoopbackPort();
        int management = Ports.freeLoopbackPort();
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/kc.sh").toString(), "start", "--optimized",
                "--http-enabled=true", "--hostname-strict=false", "--http-host=127.0.0.1", "--http-port=" + http,
                "--http-management-port=" + management, "--log-level=INFO"));
        command.addAll(db.connectionOptions());
        command.addAll(extraOptions);
        Path logFile = home.resolve("server.log");
        Started started;
        try {
            // DebugNonSafepoints: JFR then attributes a sample to the code that ran, not to the nearest safepoint's
            // method (the usual setting for profiling; no effect on the code the JIT generates).
            started = launch(name, home, command, Map.of("JAVA_OPTS_KC_HEAP", HEAP,
                    "JAVA_OPTS_APPEND", "-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints"), logFile, management);
        } catch (AssertionError | RuntimeException e) {
            db.drop();
            throw e;
        }
        return new ProductionServer(name, started.process(), logFile, "http://127.0.0.1:" + http, "http://127.0.0.1:" + management, db,
                started.seconds());
    }

    public String database() {
        return database.name();
    }

    /** The Keycloak JVM (kc.sh may stay as its parent or exec into it). */
    public ProcessHandle jvm() {
        return Stream.concat(Stream.of(process.toHandle()), process.toHandle().descendants())
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .findFirst().orElseThrow(() -> new AssertionError("no Keycloak JVM under " + process.pid()));
    }

    /** User plus system CPU time of the Keycloak JVM so far, in seconds ({@code /proc/<pid>/stat}, 100 ticks a second). */
    public double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/" + jvm().pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After the command name: state is field 3, utime field 14, stime field 15 (proc(5)).
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    /** Heap in use right after a full GC the JDK's {@code jcmd} asked for, in bytes. */
    public long heapAfterGc() {
        ProcessHandle jvm = jvm();
        Path jcmd = Path.of(jvm.info().command().orElseThrow()).resolveSibling("jcmd");
        jcmdRun(jcmd, jvm.pid(), "GC.run");
        String info = jcmdRun(jcmd, jvm.pid(), "GC.heap_info");
        Matcher m = HEAP_USED.matcher(info);
        if (!m.find()) throw new AssertionError("no heap figure in jcmd's answer: " + info);
        return Long.parseLong(m.group(1)) * 1024;
    }

    /** Runs the JDK's {@code jcmd} against the Keycloak JVM (e.g. {@code JFR.start ...}) and returns what it printed. */
    public String jcmd(String... command) {
        ProcessHandle jvm = jvm();
        Path jcmd = Path.of(jvm.info().command().orElseThrow()).resolveSibling("jcmd");
        return jcmdRun(jcmd, jvm.pid(), command);
    }

    private static String jcmdRun(Path jcmd, long pid, String... what) {
        try {
            List<String> command = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
            command.addAll(List.of(what));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError("jcmd " + String.join(" ", what)
                    + " failed: " + out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Counts what PostgreSQL logged for this database from byte {@code from} of its log on. */
    public PostgresLog.Statements statementsSince(Path pgLog, long from) {
        return PostgresLog.count(pgLog, from, database.name());
    }

    public Optional<Connection> openDatabase() {
        return Optional.of(database.connect());
    }

    @Override
    public void close() {
        stopThen(database::drop);
    }
}
