package org.kcbastion.it.harness;

import org.keycloak.admin.client.Keycloak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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
        if (admin == null) admin = Keycloak.getInstance(baseUrl, "master", ADMIN_USER, ADMIN_PASSWORD, "admin-cli");
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
