package org.kcbastion.it.harness;

import dasniko.testcontainers.keycloak.KeycloakContainer;
import org.keycloak.admin.client.Keycloak;

import java.util.List;

/**
 * Optional backend for machines with Docker ({@code -Dit.server=container}): the official image through
 * testcontainers-keycloak, with the same JARs installed. The default harness never needs it.
 */
final class ContainerKeycloakServer implements KeycloakServer {

    private final KeycloakContainer container;
    private final Keycloak admin;
    private final double startSeconds;

    private ContainerKeycloakServer(KeycloakContainer container, double startSeconds) {
        this.container = container;
        this.startSeconds = startSeconds;
        this.admin = KeycloakServer.serviceAccountClient(container.getAuthServerUrl());
    }

    @SuppressWarnings("resource")
    static KeycloakServer start(HarnessConfig config) {
        if (!config.db().equals("h2")) {
            throw new AssertionError("it.server=container supports only it.db=h2");
        }
        KeycloakContainer container = new KeycloakContainer("quay.io/keycloak/keycloak:" + config.keycloakVersion())
                .withAdminUsername(ADMIN_USER)
                .withAdminPassword(ADMIN_PASSWORD)
                .withEnv("KC_BOOTSTRAP_ADMIN_CLIENT_ID", ADMIN_CLIENT_ID)
                .withEnv("KC_BOOTSTRAP_ADMIN_CLIENT_SECRET", ADMIN_CLIENT_SECRET)
                .withEnabledMetrics()
                .withFeaturesEnabled("declarative-ui", "ssf")
                .withEnv("KC_SPI_SSF_TRANSMITTER__DEFAULT__OUTBOX_DRAINER_INTERVAL", ProcessKeycloakServer.SSF_OUTBOX_INTERVAL)
                .withEnv("KC_SPI_SSF_TRANSMITTER__DEFAULT__ALLOW_INSECURE_PUSH_TARGETS", "true")
                .withProviderLibsFrom(List.of(config.bastionJar().toFile(), config.testProvidersJar().toFile()));
        long launched = System.nanoTime();
        try {
            container.start();
        } catch (RuntimeException e) {
            String logs = container.getLogs();
            container.stop();
            throw new AssertionError("Keycloak container did not start:\n" + logs, e);
        }
        return new ContainerKeycloakServer(container, (System.nanoTime() - launched) / 1e9);
    }

    @Override
    public String baseUrl() {
        String url = container.getAuthServerUrl();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public String managementUrl() {
        String url = container.getMgmtServerUrl();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public Keycloak admin() {
        return admin;
    }

    @Override
    public String log() {
        return container.getLogs();
    }

    @Override
    public double startSeconds() {
        return startSeconds;
    }

    @Override
    public void close() {
        admin.close();
        container.stop();
    }
}
