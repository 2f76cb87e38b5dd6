package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.Ports;
import org.kcbastion.it.harness.TestRealm;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 19: Debian's Prometheus scrapes the test Keycloak with the repository's alert rules loaded; every query of
 * the Grafana dashboard returns data, and {@code promtool test rules} passes for each alert. Fails (never skips)
 * when Prometheus is not installed ({@code apt-get install prometheus}, which {@code .ci/run} does).
 */
@BastionKeycloak
@DisplayName("Prometheus scrapes Bastion's metrics; the dashboard and the alert rules work (issue 19)")
class PrometheusIT {

    static final Path OBSERVABILITY = Path.of("../observability");
    static final Path RULES = OBSERVABILITY.resolve("prometheus/bastion-alerts.yml").toAbsolutePath().normalize();
    static final Duration WAIT = Duration.ofSeconds(60);
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static Process prometheus;
    static String api;
    static Path work;

    @BeforeAll
    static void start(KeycloakServer server) throws IOException {
        Path binary = Path.of(System.getProperty("it.prometheus", "/usr/bin/prometheus"));
        assertThat(binary).as("Prometheus (Debian package prometheus)").isExecutable();
        work = Files.createDirectories(Path.of("target/it-work/prometheus").toAbsolutePath());
        String target = URI.create(server.managementUrl()).getAuthority();
        Path config = Files.writeString(work.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: keycloak
                    metrics_path: /metrics
                    static_configs:
                      - targets: ['%s']
                """.formatted(RULES, target));
        int port = Ports.freeLoopbackPort();
        api = "http://127.0.0.1:" + port;
        prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + config, "--storage.tsdb.path=" + work.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true)
                .redirectOutput(work.resolve("prometheus.log").toFile()).start();
        Poll.untilTrue("Prometheus ready", WAIT, () -> prometheus.isAlive() && status("/-/ready") == 200);
        Poll.untilTrue("the Keycloak target scraped and up", WAIT, () -> json("/api/v1/targets")
                .path("data").path("activeTargets").path(0).path("health").asText().equals("up"));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(20, TimeUnit.SECONDS)) prometheus.destroyForcibly();
        }
    }

    @Nested
    @DisplayName("Grafana dashboard")
    class Dashboard {

        @Test
        @DisplayName("every panel's query returns data, and the realm variable lists the test realm")
        void everyQueryHasData(TestRealm realm) throws IOException {
            JsonNode dashboard = Oidc.parse(Files.readString(OBSERVABILITY.resolve("grafana/bastion-dashboard.json")));
            List<String> queries = new ArrayList<>();
            for (JsonNode panel : dashboard.path("panels")) {
                for (JsonNode t : panel.path("targets")) queries.add(t.path("expr").asText());
            }
            assertThat(queries).hasSizeGreaterThanOrEqualTo(9);
            for (String query : queries) {
                // Grafana's variables as Grafana substitutes them for "All" and a short range.
                String promql = query.replace("$realm", ".*").replace("$__rate_interval", "1m");
                Poll.untilTrue("data for " + promql, WAIT, () -> {
                    JsonNode reply = json("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
                    return reply.path("status").asText().equals("success") && !reply.path("data").path("result").isEmpty();
                });
            }
            JsonNode realms = json("/api/v1/label/realm/values?match%5B%5D=bastion_step_up_total");
            List<String> names = new ArrayList<>();
            realms.path("data").forEach(n -> names.add(n.asText()));
            assertThat(names).contains(realm.name());
        }
    }

    @Nested
    @DisplayName("Alert rules")
    class Alerts {

        @Test
        @DisplayName("Prometheus loads every rule, and promtool check rules and promtool test rules pass")
        void rulesLoadAndTestsPass() throws Exception {
            JsonNode groups = json("/api/v1/rules").path("data").path("groups");
            List<String> loaded = new ArrayList<>();
            groups.forEach(g -> g.path("rules").forEach(r -> loaded.add(r.path("name").asText())));
            assertThat(loaded).contains("BastionSweepFailing", "BastionBackchannelLogoutFailing", "BastionAlertMailFailing",
                    "BastionStepUpGuessing", "BastionPrivilegedWritesRefused", "BastionImpersonationBurst",
                    "BastionReportModeWouldEnd", "BastionMetricsMissing");
            Path promtool = Path.of(System.getProperty("it.promtool", "/usr/bin/promtool"));
            assertThat(run(promtool.toString(), "check", "rules", "bastion-alerts.yml")).contains("SUCCESS");
            assertThat(run(promtool.toString(), "test", "rules", "bastion-alerts.test.yml")).contains("SUCCESS");
            // A rule evaluated before the first scrape marks BastionMetricsMissing pending; the first evaluation after
            // it clears it: with Bastion loaded it must clear.
            Poll.untilTrue("BastionMetricsMissing neither pending nor firing once Bastion's metrics are scraped", WAIT, () -> {
                JsonNode alerts = json("/api/v1/alerts");
                List<String> names = new ArrayList<>();
                alerts.path("data").path("alerts").forEach(a -> names.add(a.path("labels").path("alertname").asText()));
                return alerts.path("status").asText().equals("success") && !names.contains("BastionMetricsMissing");
            });
            String query = URLEncoder.encode("absent(bastion_sweep_failures_total)", StandardCharsets.UTF_8);
            JsonNode absent = json("/api/v1/query?query=" + query);
            assertThat(absent.path("status").asText()).as(absent.toString()).isEqualTo("success");
            assertThat(absent.path("data").path("result").size()).as("with Bastion loaded, its metrics are present").isZero();
        }

        private String run(String... command) throws Exception {
            Process p = new ProcessBuilder(command).directory(OBSERVABILITY.resolve("prometheus").toFile())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
            return out;
        }
    }

    /** The HTTP status of {@code path}; 0 while Prometheus does not listen yet. */
    static int status(String path) {
        return send(path).map(HttpResponse::statusCode).orElse(0);
    }

    /** The JSON body of {@code path}; an empty object while Prometheus does not listen yet. */
    static JsonNode json(String path) {
        return Oidc.parse(send(path).map(HttpResponse::body).orElse("{}"));
    }

    private static java.util.Optional<HttpResponse<String>> send(String path) {
        try {
            return java.util.Optional.of(HTTP.send(HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
