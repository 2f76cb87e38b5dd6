package org.kcbastion.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.ContainerfileServer;
import org.keycloak.representations.idm.ComponentTypeRepresentation;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 19: the repository's {@code Containerfile} works. Docker does not run on the build machines, so its steps
 * are replayed on the distribution ({@link ContainerfileServer}): the file is exactly what this test ran. Needs
 * PostgreSQL (the file builds for it); tag {@code postgres}.
 */
@Tag("postgres")
@DisplayName("The Containerfile, replayed on the distribution (issue 19)")
class ContainerfileIT {

    static final Path CONTAINERFILE = Path.of("../Containerfile");
    static final String HMAC_KEY = "it-containerfile-hmac-key-0123456789abcdef";
    static ContainerfileServer server;
    static String containerfile;

    @BeforeAll
    static void start() throws IOException {
        containerfile = Files.readString(CONTAINERFILE);
        server = ContainerfileServer.start(CONTAINERFILE, HMAC_KEY);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Nested
    @DisplayName("kc.sh build with the file's options, then its CMD (start --optimized)")
    class Built {

        @Test
        @DisplayName("the bastion-policy tab exists: declarative-ui was built in, and the tab's component type is registered")
        void tab() {
            var info = server.admin().serverInfo().getInfo();
            assertThat(info.getFeatures()).filteredOn(f -> f.getName().equals("DECLARATIVE_UI")).singleElement()
                    .satisfies(f -> assertThat(f.isEnabled()).isTrue());
            List<ComponentTypeRepresentation> tabs = info.getComponentTypes().get("org.keycloak.services.ui.extend.UiTabProvider");
            assertThat(tabs).extracting(ComponentTypeRepresentation::getId).contains("bastion-policy");
        }

        @Test
        @DisplayName("/metrics answers on the management port, and Bastion's HMAC key came from the environment")
        void metricsAndKey() throws Exception {
            HttpResponse<String> metrics = HttpClient.newHttpClient()
                    .send(HttpRequest.newBuilder(URI.create(server.managementUrl() + "/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("jvm_memory_used_bytes");
            assertThat(server.admin().serverInfo().getInfo().getProviders().get("eventsListener").getProviders()
                    .get("bastion-security").getOperationalInfo()).containsEntry("hmac-key-source", "server configuration");
            assertThat(server.log()).as("no option given at start was ignored as build-time").doesNotContain("build time options");
        }

        @Test
        @DisplayName("the file's Keycloak version is the project's default distribution (keycloak.dist.version)")
        void version() throws IOException {
            Matcher m = Pattern.compile("<keycloak.dist.version>(.+)</keycloak.dist.version>")
                    .matcher(Files.readString(Path.of("../pom.xml")));
            assertThat(m.find()).isTrue();
            assertThat(ContainerfileServer.keycloakVersion(containerfile)).isEqualTo(m.group(1));
            assertThat(ContainerfileServer.command(containerfile)).containsExactly("start", "--optimized");
        }
    }
}
