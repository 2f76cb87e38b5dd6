package org.kcbastion.it.harness;

import org.keycloak.admin.client.Keycloak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Keycloak the harness launched as a child process ({@code kc.sh}) in a {@link Distribution}: the default test
 * server, cluster nodes, benchmark servers. Launch, readiness, stop and the log tail that every failure attaches.
 */
public abstract class LaunchedServer implements KeycloakServer {
    final String name;
    final Process process;
    final Path log;
    private final String baseUrl;
    private final String managementUrl;
    private final double startSeconds;
    private Keycloak admin;

    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    LaunchedServer(String name, Process process, Path log, String baseUrl, String managementUrl, double startSeconds) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.baseUrl = baseUrl;
        this.managementUrl = managementUrl;
        this.startSeconds = startSeconds;
    }

    /** A launched process that answered ready, and how long that took. */
    record Started(Process process, double seconds) {
    }

    /**
     * Runs {@code command} (a {@code kc.sh start ...}) in {@code home} with the bootstrap admin and {@code extraEnv},
     * output to {@code log}, and waits until the management port says ready; on failure the process is stopped.
     */
    static Started launch(String name, Path home, List<String> command, Map<String, String> extraEnv, Path log, int managementPort) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN_USER);
        env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("KC_BOOTSTRAP_ADMIN_CLIENT_ID", ADMIN_CLIENT_ID);
        env.put("KC_BOOTSTRAP_ADMIN_CLIENT_SECRET", ADMIN_CLIENT_SECRET);
        env.putAll(extraEnv);
        long launched = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not launch " + name, e);
        }
        try {
            awaitReady(process, managementPort, log);
        } catch (AssertionError | RuntimeException e) {
            stop(process);
            throw e;
        }
        return new Started(process, (System.nanoTime() - launched) / 1e9);
    }

    /**
     * Runs a {@code kc.sh} command that ends by itself ({@code build}, {@code import}) to completion, with the
     * bootstrap admin's environment and {@code extraEnv}; fails with the log's tail when it does not succeed within
     * five minutes.
     */
    static void runToCompletion(Path home, Path log, List<String> command, Map<String, String> extraEnv) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("KC_BOOTSTRAP_ADMIN_CLIENT_ID", ADMIN_CLIENT_ID);
        builder.environment().put("KC_BOOTSTRAP_ADMIN_CLIENT_SECRET", ADMIN_CLIENT_SECRET);
        builder.environment().putAll(extraEnv);
        try {
            Process p = builder.start();
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                stop(p);
                throw new AssertionError("`" + String.join(" ", command) + "` failed:\n" + tail(log, 80));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
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

    public String name() {
        return name;
    }

    @Override
    public String baseUrl() {
        return baseUrl;
    }

    @Override
    public String managementUrl() {
        return managementUrl;
    }

    @Override
    public synchronized Keycloak admin() {
        if (admin == null) admin = KeycloakServer.serviceAccountClient(baseUrl);
        return admin;
    }

    @Override
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public double startSeconds() {
        return startSeconds;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** {@link #stop()}, then {@code cleanup} (the server's database dropped), also when stopping failed. */
    void stopThen(Runnable cleanup) {
        try {
            stop();
        } finally {
            cleanup.run();
        }
    }

    /** Stops the process (SIGTERM, then SIGKILL after a grace period) unless it is gone already. */
    void stop() {
        synchronized (this) {
            if (admin != null) admin.close();
        }
        if (process.isAlive()) stop(process);
    }
}
