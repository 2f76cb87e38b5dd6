package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.TestRealm;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

@BastionKeycloak
@DisplayName("GET /admin/realms/{realm}/bastion/posture")
class PostureIT {

    static Map<String, JsonNode> report(TestRealm realm) {
        Oidc.Reply reply = realm.adminCall("GET", "bastion/posture", null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        Map<String, JsonNode> byId = new HashMap<>();
        StreamSupport.stream(reply.json().spliterator(), false).forEach(c -> byId.put(c.path("id").asText(), c));
        return byId;
    }

    @Nested
    @DisplayName("A fresh realm")
    class Fresh {

        @Test
        @DisplayName("every check has id, severity, status, detail and remediation; Keycloak's risky defaults are flagged")
        void risksOfAFreshRealm(TestRealm realm) {
            Map<String, JsonNode> r = report(realm);
            assertThat(r.keySet()).contains("offline-max-lifespan", "sso-max-above-cap", "remember-me-max", "brute-force-detection",
                    "refresh-token-rotation", "events-stored", "bastion-revocation", "smtp", "admins-second-factor",
                    "impersonation-holders", "token-exchange-v1", "client-backchannel-logout", "secrets-at-rest",
                    "bastion-attributes");
            r.values().forEach(c -> {
                assertThat(c.path("severity").asText()).isIn("high", "medium", "low");
                assertThat(c.path("status").asText()).isIn("pass", "warn", "fail");
                assertThat(c.path("detail").asText()).isNotBlank();
                if (!c.path("status").asText().equals("pass")) assertThat(c.path("remediation").asText()).isNotBlank();
            });
            assertThat(r.get("offline-max-lifespan").path("status").asText()).isEqualTo("warn");
            assertThat(r.get("brute-force-detection").path("status").asText()).isEqualTo("fail");
            assertThat(r.get("refresh-token-rotation").path("status").asText()).isEqualTo("fail");
            assertThat(r.get("smtp").path("status").asText()).as("the harness wires GreenMail into every realm").isEqualTo("pass");
            assertThat(r.get("bastion-revocation").path("status").asText()).isEqualTo("pass");
            assertThat(r.get("secrets-at-rest").path("status").asText()).as("generated realm keys live in the database")
                    .isEqualTo("warn");
            assertThat(r.get("token-exchange-v1").path("status").asText()).isEqualTo("pass");
            assertThat(r.get("session-limit-providers").path("status").asText()).as("Keycloak chose Bastion's refresh-token provider")
                    .isEqualTo("pass");
            assertThat(r.get("session-limit-providers").path("detail").asText()).endsWith("session-limit policy: default");
        }
    }

    @Nested
    @DisplayName("After hardening and with problems planted")
    class Changes {

        @Test
        @DisplayName("fixed settings pass; an admin without OTP, a deaf client and invalid attribute values fail or warn")
        void reflectsTheRealm(TestRealm realm) {
            RealmRepresentation rep = realm.admin().toRepresentation();
            rep.setBruteForceProtected(true);
            rep.setRevokeRefreshToken(true);
            rep.setOfflineSessionMaxLifespanEnabled(true);
            rep.setOfflineSessionMaxLifespan(3_888_000);
            realm.admin().update(rep);

            TestRealm.User admin = realm.createUser("posture-admin", false);
            var management = realm.admin().clients().findByClientId("realm-management").get(0);
            RoleRepresentation realmAdmin = realm.admin().clients().get(management.getId()).roles().get("realm-admin").toRepresentation();
            realm.admin().users().get(admin.id()).roles().clientLevel(management.getId()).add(List.of(realmAdmin));

            TestRealm.Client deaf = realm.createClient("deaf-app");
            var client = realm.admin().clients().get(deaf.uuid());
            var clientRep = client.toRepresentation();
            clientRep.getAttributes().put("backchannel.logout.url", "");
            client.update(clientRep);
            // Values every admin write path refuses (issue 14), planted as a direct database edit would.
            realm.setRawClientAttributes(deaf.uuid(), Map.of("bastion.session.maxSeconds", "forever"));
            realm.setRawAttributes(Map.of("bastion.session.offlineMaxSeconds", "-5"));
            try {
                Map<String, JsonNode> r = report(realm);
                assertThat(r.get("brute-force-detection").path("status").asText()).isEqualTo("pass");
                assertThat(r.get("refresh-token-rotation").path("status").asText()).isEqualTo("pass");
                assertThat(r.get("offline-max-lifespan").path("status").asText()).isEqualTo("pass");

                assertThat(r.get("admins-second-factor").path("status").asText()).isEqualTo("fail");
                assertThat(r.get("admins-second-factor").path("detail").asText()).contains("posture-admin");
                assertThat(r.get("client-backchannel-logout").path("detail").asText()).contains("deaf-app");
                JsonNode attrs = r.get("bastion-attributes");
                assertThat(attrs.path("status").asText()).isEqualTo("fail");
                assertThat(attrs.path("detail").asText()).contains("bastion.session.offlineMaxSeconds='-5'")
                        .contains("client deaf-app bastion.session.maxSeconds='forever'");
            } finally {
                Map<String, String> reset = new HashMap<>();
                reset.put("bastion.session.offlineMaxSeconds", null);
                realm.setAttributes(reset);
                RealmRepresentation back = realm.admin().toRepresentation();
                back.setBruteForceProtected(false);
                back.setRevokeRefreshToken(false);
                back.setOfflineSessionMaxLifespanEnabled(false);
                realm.admin().update(back);
            }
        }

        @Test
        @DisplayName("without SMTP settings the smtp check fails; once they are set through the admin API it passes")
        void smtp(TestRealm realm) {
            RealmRepresentation rep = realm.admin().toRepresentation();
            Map<String, String> smtp = rep.getSmtpServer();
            rep.setSmtpServer(new HashMap<>());
            realm.admin().update(rep);
            try {
                JsonNode check = report(realm).get("smtp");
                assertThat(check.path("status").asText()).isEqualTo("fail");
                assertThat(check.path("remediation").asText()).isNotBlank();
            } finally {
                RealmRepresentation back = realm.admin().toRepresentation();
                back.setSmtpServer(smtp);
                realm.admin().update(back);
            }
            assertThat(report(realm).get("smtp").path("status").asText()).isEqualTo("pass");
        }

        @Test
        @DisplayName("without a token: 401; the report changes nothing")
        void needsToken(KeycloakServer server, TestRealm realm) throws Exception {
            RealmRepresentation before = realm.admin().toRepresentation();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server.baseUrl() + "/admin/realms/" + realm.name() + "/bastion/posture")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(401);
            report(realm);
            assertThat(realm.admin().toRepresentation().getAttributes()).isEqualTo(before.getAttributes());
        }
    }

    @Nested
    @DisplayName("Admins and their step-up (issues 15 and 16)")
    class AdminsAndStepUp {

        @Test
        @DisplayName(
                "the admin console's flow without bastion-step-up fails, with it passes; an admin through a group without OTP is named; "
                + "admin service accounts and the sudo scope are listed")
        void realmAdmins(TestRealm realm) {
            assertThat(report(realm).get("admin-flow-step-up").path("status").asText()).isEqualTo("fail");
            realm.bindBrowserStepUpFlow();
            Map<String, JsonNode> r = report(realm);
            assertThat(r.get("admin-flow-step-up").path("status").asText()).as(r.get("admin-flow-step-up").toString()).isEqualTo("pass");

            TestRealm.User member = realm.createUser("group-admin-no-otp", false);
            String groupId;
            try (var created = realm.admin().groups().add(group("posture-admins"))) {
                groupId = org.keycloak.admin.client.CreatedResponseUtil.getCreatedId(created);
            }
            var management = realm.admin().clients().findByClientId("realm-management").get(0);
            realm.admin().groups().group(groupId).roles().clientLevel(management.getId())
                    .add(List.of(realm.admin().clients().get(management.getId()).roles().get("manage-users").toRepresentation()));
            realm.admin().users().get(member.id()).joinGroup(groupId);
            r = report(realm);
            assertThat(r.get("admins-second-factor").path("detail").asText()).contains("group-admin-no-otp");
            assertThat(r.get("sudo-mode").path("detail").asText()).contains("privileged");
            assertThat(r.get("admin-service-accounts").path("status").asText()).isIn("pass", "warn");

            // An admin who signs in only through an identity provider: no local password, so no step-up.
            Oidc.Reply idp = realm.adminCall("POST", "identity-provider/instances", "{\"alias\": \"corp-sso\", \"providerId\": \"oidc\", "
                    + "\"config\": {\"clientId\": \"x\", \"clientSecret\": \"y\", \"authorizationUrl\": \"http://127.0.0.1/a\", "
                    + "\"tokenUrl\": \"http://127.0.0.1/t\", \"clientAuthMethod\": \"client_secret_post\"}}");
            assertThat(idp.status()).as(idp.body()).isEqualTo(201);
            Oidc.Reply user = realm.adminCall("POST", "users", "{\"username\": \"sso-only-admin\", \"enabled\": true}");
            assertThat(user.status()).as(user.body()).isEqualTo(201);
            String ssoAdmin = realm.admin().users().search("sso-only-admin", true).get(0).getId();
            realm.grantRealmManagement(ssoAdmin, "realm-admin");
            Oidc.Reply link = realm.adminCall("POST", "users/" + ssoAdmin + "/federated-identity/corp-sso",
                    "{\"identityProvider\": \"corp-sso\", \"userId\": \"corp-1\", \"userName\": \"corp-1\"}");
            assertThat(link.status()).as(link.body()).isEqualTo(204);
            JsonNode federated = report(realm).get("admins-identity-provider");
            assertThat(federated.path("status").asText()).isEqualTo("warn");
            assertThat(federated.path("detail").asText()).contains("sso-only-admin");
        }

        @Test
        @DisplayName("master: the posture report covers master's own admins (the bootstrap admin without OTP) and master's console flow")
        void master(KeycloakServer server) {
            var http = java.net.http.HttpClient.newHttpClient();
            try {
                var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUrl()
                                + "/admin/realms/master/bastion/posture"))
                        .header("Authorization", "Bearer " + server.admin().tokenManager().getAccessTokenString()).GET().build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                Map<String, JsonNode> byId = new HashMap<>();
                StreamSupport.stream(Oidc.parse(r.body()).spliterator(), false).forEach(c -> byId.put(c.path("id").asText(), c));
                assertThat(byId.get("admins-second-factor").path("status").asText()).isEqualTo("fail");
                assertThat(byId.get("admins-second-factor").path("detail").asText()).contains(KeycloakServer.ADMIN_USER);
                assertThat(byId.get("admin-flow-step-up").path("status").asText()).as("master's stock browser flow").isEqualTo("fail");
            } catch (java.io.IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    static org.keycloak.representations.idm.GroupRepresentation group(String name) {
        org.keycloak.representations.idm.GroupRepresentation g = new org.keycloak.representations.idm.GroupRepresentation();
        g.setName(name);
        return g;
    }
}
