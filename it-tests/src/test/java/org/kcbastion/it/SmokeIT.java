package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.TestRealm;
import org.kcbastion.it.harness.Totp;
import org.keycloak.representations.info.ServerInfoRepresentation;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@BastionKeycloak
@DisplayName("Smoke: Keycloak (the distribution under test) with the Bastion JAR installed")
class SmokeIT {

    /** Every provider the dist JAR ships, by SPI. Add a line when a provider lands. */
    static final Map<String, List<String>> BASTION_PROVIDERS = Map.of(
            "admin-realm-restapi-extension", List.of("bastion"),
            "eventsListener", List.of("bastion-security"),
            "bastion-session-limit", List.of("default"),
            "refresh-token", List.of("bastion-session-limit"),
            "authenticator", List.of("bastion-session-limit"));

    @Nested
    @DisplayName("Server info")
    class ServerInfo {

        @Test
        @DisplayName("lists every Bastion provider id under its SPI")
        void listsEveryProvider(KeycloakServer server) {
            ServerInfoRepresentation info = server.admin().serverInfo().getInfo();
            BASTION_PROVIDERS.forEach((spi, ids) -> {
                assertThat(info.getProviders()).as("SPI %s", spi).containsKey(spi);
                assertThat(info.getProviders().get(spi).getProviders().keySet()).as("providers of %s", spi)
                        .containsAll(ids);
            });
        }

        @Test
        @DisplayName("reports the Bastion version through operational info")
        void operationalInfo(KeycloakServer server) {
            ServerInfoRepresentation info = server.admin().serverInfo().getInfo();
            Map<String, String> operational = info.getProviders().get("admin-realm-restapi-extension")
                    .getProviders().get("bastion").getOperationalInfo();
            assertThat(operational).containsKey("bastion-version").containsEntry("base-path", "/admin/realms/{realm}/bastion");
        }

        @Test
        @DisplayName("the startup log has no ERROR from Bastion")
        void noBastionErrors(KeycloakServer server) {
            // Up to Quarkus' "started in" line: later ERRORs belong to tests that provoke faults on purpose.
            List<String> startup = server.log().lines().takeWhile(l -> !l.contains(") started in ")).toList();
            assertThat(startup).as("startup log").anyMatch(l -> l.contains("KC-SERVICES0047: bastion"));
            assertThat(startup).filteredOn(l -> l.contains("ERROR"))
                    .filteredOn(l -> l.toLowerCase().contains("bastion"))
                    .isEmpty();
            assertThat(server.log()).contains("Keycloak " + System.getProperty("keycloak.version") + " on JVM");
        }
    }

    @Nested
    @DisplayName("Audit stream (docs/events-and-metrics.md's quarkus.properties: the category to a JSON file of its own)")
    class AuditStream {

        @Test
        @DisplayName("every line of the file is one audit JSON object, schema 1 first; a revocation shows up in it")
        void fileOfItsOwn(KeycloakServer server, TestRealm realm) throws Exception {
            assertThat(server.auditFile()).as("the process harness writes the audit file (docs/events-and-metrics.md)").isPresent();
            java.nio.file.Path file = server.auditFile().get();
            TestRealm.User user = realm.createUser("audit-stream-user", false);
            Oidc.Reply revoked = realm.adminCall("POST", "bastion/users/" + user.id() + "/revoke-sessions", null);
            assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
            org.kcbastion.it.harness.Poll.untilTrue("the revocation in " + file, java.time.Duration.ofSeconds(20),
                    () -> java.nio.file.Files.exists(file) && readLines(file).stream()
                            .anyMatch(l -> l.contains("\"sessions_revoked\"") && l.contains(user.id())));
            List<String> lines = readLines(file);
            assertThat(lines).isNotEmpty().allSatisfy(l -> {
                assertThat(l).startsWith("{\"schema\":1,");
                JsonNode json = Oidc.parse(l);
                assertThat(json.isObject()).as(l).isTrue();
                assertThat(json.path("event").asText()).isNotBlank();
                assertThat(json.path("realm").asText()).isNotBlank();
            });
        }

        private static List<String> readLines(java.nio.file.Path file) {
            try {
                return java.nio.file.Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Nested
    @DisplayName("GET /admin/realms/{realm}/bastion/policy")
    class Policy {

        @Test
        @DisplayName("a fresh realm gets the documented defaults")
        void defaults(TestRealm realm) {
            Oidc.Reply reply = realm.adminCall("GET", "bastion/policy", null);
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            JsonNode policy = reply.json().path("policy");
            assertThat(reply.json().path("valid").asBoolean()).isTrue();
            assertThat(policy.path("bastion.stepUp.maxAgeSeconds").path("value").asText()).isEqualTo("300");
            assertThat(policy.path("bastion.session.offlineMaxSeconds").path("default").asText()).isEqualTo("3888000");
            assertThat(policy.path("bastion.revokeOnAdminCredentialChange").path("set").asBoolean()).isFalse();
        }

        @Test
        @DisplayName("an invalid attribute is reported, and the strict side applies instead (the floor)")
        void invalidAttribute(TestRealm realm) {
            realm.setRawAttributes(Map.of("bastion.session.maxSeconds", "forever"));
            try {
                Oidc.Reply reply = realm.adminCall("GET", "bastion/policy", null);
                assertThat(reply.status()).isEqualTo(200);
                JsonNode entry = reply.json().path("policy").path("bastion.session.maxSeconds");
                assertThat(reply.json().path("valid").asBoolean()).isFalse();
                assertThat(entry.path("value").asText()).as("not a number: the strict floor applies, not the looser default")
                        .isEqualTo("60");
                assertThat(entry.path("invalid").asText()).isEqualTo("forever");
                assertThat(entry.path("problem").asText()).contains("not a whole number");
            } finally {
                java.util.HashMap<String, String> reset = new java.util.HashMap<>();
                reset.put("bastion.session.maxSeconds", null);
                realm.setAttributes(reset);
            }
        }

        @Test
        @DisplayName("without a token the call is refused with 401")
        void needsToken(KeycloakServer server, TestRealm realm) throws Exception {
            var http = java.net.http.HttpClient.newHttpClient();
            var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    server.baseUrl() + "/admin/realms/" + realm.name() + "/bastion/policy")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(401);
        }
    }

    @Nested
    @DisplayName("OIDC fixtures")
    class Fixtures {

        @Test
        @DisplayName("password grant, refresh, introspection and the authorization-code flow work against the test realm")
        void oidcFlows(TestRealm realm) {
            TestRealm.Client client = realm.createClient("smoke-app");
            TestRealm.User user = realm.createUser("smoke-user", true);

            Oidc.Reply withoutOtp = realm.oidc().passwordGrant(client.clientId(), client.secret(), user.username(), user.password());
            assertThat(withoutOtp.status()).as("direct grant of an OTP user without totp").isIn(400, 401);
            Oidc.Reply tokens = realm.oidc().passwordGrant(client.clientId(), client.secret(), user.username(), user.password(),
                    "totp", Totp.now(user.otpSecret()));
            assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
            Oidc.Reply refreshed = realm.oidc().refresh(client.clientId(), client.secret(), tokens.text("refresh_token"));
            assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
            Oidc.Reply introspection = realm.oidc().introspect(client.clientId(), client.secret(), refreshed.text("access_token"));
            assertThat(introspection.json().path("active").asBoolean()).as(introspection.body()).isTrue();

            var browser = realm.oidc().browser().otpCodes(Totp::next); // the current code was spent on the grant
            var code = browser.authorize(client.clientId(), client.redirectUri(), user.username(), user.password(), user.otpSecret());
            assertThat(code).as("authorization code; last page: %s", browser.page().text()).isPresent();
            Oidc.Reply codeTokens = realm.oidc().exchangeCode(client.clientId(), client.secret(), code.get(), client.redirectUri());
            assertThat(codeTokens.status()).as(codeTokens.body()).isEqualTo(200);
            assertThat(realm.oidc().userinfo(codeTokens.text("access_token")).status()).isEqualTo(200);
        }
    }
}
