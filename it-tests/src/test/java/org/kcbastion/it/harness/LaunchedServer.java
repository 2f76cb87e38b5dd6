package org.kcbastion.it.harness;

import org.keycloak.admin.client.Keycloak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A Keycloak the harness launched from a distribution copy of its own (cluster nodes, benchmark servers). */
public abstract class LaunchedServer implements KeycloakServer {
    final String name;
    final Process process;
    final Path log;
    private final String baseUrl;
    private final String managementUrl;
    private final double startSeconds;
    private Keycloak admin;

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
            ProcessKeycloakServer.awaitReady(process, managementPort, log);
        } catch (AssertionError | RuntimeException e) {
            ProcessKeycloakServer.stop(process);
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
                ProcessKeycloakServer.stop(p);
                throw new AssertionError("`" + String.join(" ", command) + "` failed:\n" + ProcessKeycloakServer.tail(log, 80));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
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

    /** Stops the process (SIGTERM, then SIGKILL after a grace period) unless it is gone already. */
    void stop() {
        synchronized (this) {
            if (admin != null) admin.close();
        }
        if (process.isAlive()) ProcessKeycloakServer.stop(process);
    }
}
