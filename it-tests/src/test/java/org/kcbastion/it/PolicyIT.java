package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.MasterAdmins;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.TestRealm;
import org.keycloak.representations.idm.AdminEventRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@BastionKeycloak
@DisplayName("PUT /admin/realms/{realm}/bastion/policy: validated, all or nothing, behind the guard")
class PolicyIT {

    static MasterAdmins admins;

    @BeforeAll
    static void setUp(KeycloakServer server, TestRealm realm) {
        admins = MasterAdmins.create(server, realm);
        RoleRepresentation vip = new RoleRepresentation();
        vip.setName("vip");
        realm.admin().roles().create(vip);
    }

    @AfterAll
    static void tearDown() {
        if (admins != null) admins.close();
    }

    static JsonNode policy(TestRealm realm) {
        Oidc.Reply reply = realm.adminCall("GET", "bastion/policy", null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json().path("policy");
    }

    /** PUT policy with the raw response, headers included. */
    static HttpResponse<String> send(TestRealm realm, String token, String body) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(realm.server().baseUrl() + "/admin/realms/"
                            + realm.name() + "/bastion/policy"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, String> attributes(TestRealm realm) {
        Map<String, String> a = realm.admin().toRepresentation().getAttributes();
        return a == null ? Map.of() : new HashMap<>(a);
    }

    @Nested
    @DisplayName("Round trip")
    class RoundTrip {

        @Test
        @DisplayName("manage-realm plus a fresh step-up changes several keys at once; GET shows them; an admin event names the admin")
        void roundTrip(TestRealm realm) {
            TestRealm.User admin = admins.admin("manage-realm", "view-realm");
            String token = admins.stepUpToken(admin);
            Oidc.Reply put = realm.callAs(token, "PUT", "bastion/policy", """
                    {"bastion.stepUp.maxAgeSeconds": 120, "bastion.rateLimit.impersonation": "admin=2/1h",
                     "bastion.securityContact": "soc@bastion.test", "bastion.impersonation.protectedRoles": "vip",
                     "bastion.impersonation.requireReason": false}""");
            assertThat(put.status()).as(put.body()).isEqualTo(200);
            JsonNode p = policy(realm);
            assertThat(p.path("bastion.stepUp.maxAgeSeconds").path("value").asText()).isEqualTo("120");
            assertThat(p.path("bastion.stepUp.maxAgeSeconds").path("set").asBoolean()).isTrue();
            assertThat(p.path("bastion.rateLimit.impersonation").path("value").asText()).isEqualTo("admin=2/1h");
            assertThat(p.path("bastion.securityContact").path("value").asText()).isEqualTo("soc@bastion.test");
            assertThat(p.path("bastion.impersonation.protectedRoles").path("value").asText()).isEqualTo("vip");
            assertThat(p.path("bastion.impersonation.requireReason").path("value").asText()).isEqualTo("false");
            assertThat(attributes(realm)).containsEntry("bastion.stepUp.maxAgeSeconds", "120");

            List<AdminEventRepresentation> events = realm.admin().getAdminEvents();
            AdminEventRepresentation change = events.stream()
                    .filter(e -> "UPDATE".equals(e.getOperationType()) && e.getResourcePath() != null
                            && e.getResourcePath().endsWith("bastion/policy"))
                    .findFirst().orElseThrow(() -> new AssertionError("no admin event for the policy change: " + events.size()));
            assertThat(change.getAuthDetails().getUserId()).isEqualTo(admin.id());
            assertThat(change.getRepresentation()).contains("admin=2/1h");

            Oidc.Reply unset = realm.callAs(token, "PUT", "bastion/policy", "{\"bastion.stepUp.maxAgeSeconds\": null}");
            assertThat(unset.status()).as(unset.body()).isEqualTo(200);
            assertThat(policy(realm).path("bastion.stepUp.maxAgeSeconds").path("value").asText()).isEqualTo("300");
            assertThat(policy(realm).path("bastion.stepUp.maxAgeSeconds").path("set").asBoolean()).isFalse();
            assertThat(policy(realm).path("bastion.rateLimit.impersonation").path("value").asText())
                    .as("keys not sent stay").isEqualTo("admin=2/1h");
        }
    }

    @Nested
    @DisplayName("Bad input")
    class BadInput {

        @Test
        @DisplayName(
                "every kind of bad value: 400 invalid_policy naming the field, and nothing stored (not even the valid fields beside it)")
        void badValues(TestRealm realm) {
            String token = admins.stepUpToken(admins.admin("manage-realm", "view-realm"));
            Map<String, String> cases = new java.util.LinkedHashMap<>();
            cases.put("bastion.stepUp.maxAgeSeconds", "5");
            cases.put("bastion.session.offlineMaxSeconds", "\"forever\"");
            cases.put("bastion.rateLimit.impersonation", "\"5 per minute\"");
            cases.put("bastion.impersonation.maxSessionSeconds", "999999");
            cases.put("bastion.securityContact", "\"not-an-email\"");
            cases.put("bastion.session.enforce", "\"off\"");
            cases.put("bastion.impersonation.protectedRoles", "\"vip,no-such-role\"");
            cases.put("bastion.impersonation.notifyUser", "\"maybe\"");
            cases.put("bastion.no.such.key", "1");
            cases.put("bastion.revokeOnAdminCredentialChange", "{\"on\": true}");
            for (var c : cases.entrySet()) {
                Map<String, String> before = attributes(realm);
                String body = "{\"bastion.session.maxSeconds\": 7200, \"" + c.getKey() + "\": " + c.getValue() + "}";
                Oidc.Reply r = realm.callAs(token, "PUT", "bastion/policy", body);
                assertThat(r.status()).as(body + " -> " + r.body()).isEqualTo(400);
                assertThat(r.text("error")).isEqualTo("invalid_policy");
                assertThat(r.text("error_description")).as(body).startsWith(c.getKey() + ": ");
                assertThat(attributes(realm)).as("nothing stored for " + body).isEqualTo(before);
            }
            for (String body : List.of("[1, 2]", "not json", "")) {
                Oidc.Reply r = realm.callAs(token, "PUT", "bastion/policy", body);
                assertThat(r.status()).as(body + " -> " + r.body()).isIn(400, 415);
            }
        }
    }

    @Nested
    @DisplayName("Who may")
    class WhoMay {

        @Test
        @DisplayName("no token 401; no admin role 403; view-only GET yes, PUT 403 not_permitted; no step-up 401 with RFC 9470 header")
        void access(TestRealm realm) {
            String body = "{\"bastion.stepUp.maxAgeSeconds\": 60}";
            Map<String, String> before = attributes(realm);
            assertThat(realm.callAs(null, "PUT", "bastion/policy", body).status()).isEqualTo(401);

            TestRealm.User nobody = admins.admin();
            assertThat(realm.callAs(admins.stepUpToken(nobody), "PUT", "bastion/policy", body).status()).isEqualTo(403);

            String viewer = admins.stepUpToken(admins.admin("view-realm"));
            assertThat(realm.callAs(viewer, "GET", "bastion/policy", null).status()).isEqualTo(200);
            Oidc.Reply denied = realm.callAs(viewer, "PUT", "bastion/policy", body);
            assertThat(denied.status()).as(denied.body()).isEqualTo(403);
            assertThat(denied.text("error")).isEqualTo("not_permitted");

            String plain = admins.plainToken(admins.admin("manage-realm", "view-realm"));
            HttpResponse<String> noStepUp = send(realm, plain, body);
            assertThat(noStepUp.statusCode()).as(noStepUp.body()).isEqualTo(401);
            assertThat(noStepUp.headers().firstValue("WWW-Authenticate").orElse(""))
                    .contains("Bearer", "error=\"insufficient_user_authentication\"", "max_age=300");
            JsonNode error = Oidc.parse(noStepUp.body());
            assertThat(error.path("error").asText()).isEqualTo("step_up_required");
            assertThat(error.path("step_up_url").asText()).contains("/realms/master/bastion/step-up");
            assertThat(attributes(realm)).as("nothing stored").isEqualTo(before);
        }
    }

    @Nested
    @DisplayName("Keycloak's own realm update (PUT /admin/realms/{realm}) changing policy attributes")
    class RawRealmUpdate {

        static HttpResponse<String> realmCall(TestRealm realm, String token, String method, String body) {
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(realm.server().baseUrl() + "/admin/realms/" + realm.name()))
                        .header("Authorization", "Bearer " + token);
                if (body == null) b.GET();
                else b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
                return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        static ObjectNode realmRep(TestRealm realm, String token) {
            HttpResponse<String> r = realmCall(realm, token, "GET", null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return (ObjectNode) Oidc.parse(r.body());
        }

        @Test
        @DisplayName(
                "without a fresh step-up: loosening, removing or adding a policy attribute is 401 step_up_required and changes nothing; "
                + "other edits pass; with a step-up the change is stored")
        void stepUpForPolicyChanges(TestRealm realm) {
            realm.setAttributes(Map.of("bastion.session.maxSeconds", "3600"));
            try {
                String plain = admins.plainToken(admins.admin("manage-realm", "view-realm"));
                ObjectNode rep = realmRep(realm, plain);
                assertThat(rep.path("attributes").path("bastion.session.maxSeconds").asText()).isEqualTo("3600");

                rep.put("displayName", "Raw update test");
                HttpResponse<String> edit = realmCall(realm, plain, "PUT", rep.toString());
                assertThat(edit.statusCode()).as("an edit that sends the policy back unchanged: %s", edit.body()).isEqualTo(204);
                assertThat(realm.admin().toRepresentation().getDisplayName()).isEqualTo("Raw update test");

                Map<String, java.util.function.Consumer<ObjectNode>> loosenings = new java.util.LinkedHashMap<>();
                loosenings.put("raise the SSO cap", a -> a.put("bastion.session.maxSeconds", "864000"));
                loosenings.put("leave the cap out (Keycloak removes attributes left out)", a -> a.remove("bastion.session.maxSeconds"));
                loosenings.put("let service accounts impersonate", a -> a.put("bastion.impersonation.allowServiceAccounts", "true"));
                loosenings.put("turn revocation off", a -> a.put("bastion.revokeOnAdminCredentialChange", false));
                loosenings.put("null the cap", a -> a.putNull("bastion.session.maxSeconds"));
                Map<String, String> before = attributes(realm);
                for (var loosen : loosenings.entrySet()) {
                    ObjectNode changed = rep.deepCopy();
                    loosen.getValue().accept((ObjectNode) changed.get("attributes"));
                    HttpResponse<String> r = realmCall(realm, plain, "PUT", changed.toString());
                    assertThat(r.statusCode()).as(loosen.getKey() + ": " + r.body()).isEqualTo(401);
                    assertThat(Oidc.parse(r.body()).path("error").asText()).isEqualTo("step_up_required");
                    assertThat(r.headers().firstValue("WWW-Authenticate").orElse("")).contains("insufficient_user_authentication");
                    assertThat(attributes(realm)).as(loosen.getKey() + ": nothing stored").isEqualTo(before);
                }
                ObjectNode noAttributes = rep.deepCopy();
                noAttributes.remove("attributes");
                noAttributes.put("displayName", "Without attributes");
                assertThat(realmCall(realm, plain, "PUT", noAttributes.toString()).statusCode())
                        .as("no attributes at all: Keycloak keeps them, nothing to guard").isEqualTo(204);
                HttpResponse<String> notJson = realmCall(realm, plain, "PUT", "{\"attributes\": {\"bastion.session.maxSeconds\": ");
                assertThat(notJson.statusCode()).as(notJson.body()).isEqualTo(400);
                assertThat(attributes(realm)).isEqualTo(before);

                String viewer = admins.stepUpToken(admins.admin("view-realm"));
                ObjectNode raised = rep.deepCopy();
                ((ObjectNode) raised.get("attributes")).put("bastion.session.maxSeconds", "864000");
                HttpResponse<String> forbidden = realmCall(realm, viewer, "PUT", raised.toString());
                assertThat(forbidden.statusCode()).as(forbidden.body()).isEqualTo(403);
                assertThat(attributes(realm)).isEqualTo(before);

                String stepUp = admins.stepUpToken(admins.admin("manage-realm", "view-realm"));
                HttpResponse<String> allowed = realmCall(realm, stepUp, "PUT", raised.toString());
                assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(204);
                assertThat(attributes(realm)).containsEntry("bastion.session.maxSeconds", "864000");
                assertThat(policy(realm).path("bastion.session.maxSeconds").path("value").asText()).isEqualTo("864000");
            } finally {
                Map<String, String> reset = new HashMap<>();
                reset.put("bastion.session.maxSeconds", null);
                realm.setAttributes(reset);
            }
        }
    }

    @Nested
    @DisplayName("The console tab: one source of truth (issue 17)")
    class Tab {

        @Test
        @DisplayName(
                "the tab's form shows a value set through a raw realm update; saving it with one field changed sets only that attribute")
        void tabMirrorsTheRealm(TestRealm realm) {
            String realmId = realm.admin().toRepresentation().getId();
            String stepUp = admins.stepUpToken(admins.admin("manage-realm", "view-realm"));
            Oidc.Reply created = realm.callAs(stepUp, "POST", "components",
                    "{\"name\": \"bastion-policy\", \"providerId\": \"bastion-policy\", "
                    + "\"providerType\": \"org.keycloak.services.ui.extend.UiTabProvider\", \"parentId\": \"" + realmId
                    + "\", \"config\": {}}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            try {
                realm.setAttributes(Map.of("bastion.session.maxSeconds", "7200"));
                JsonNode tab = tab(realm);
                assertThat(tab.path("config").path("bastion.session.maxSeconds").path(0).asText())
                        .as("the form shows the value set outside the tab: %s", tab).isEqualTo("7200");

                ObjectNode edited = tab.deepCopy();
                ((ObjectNode) edited.get("config")).putArray("bastion.stepUp.maxAgeSeconds").add("120");
                Map<String, String> before = attributes(realm);
                Oidc.Reply saved = realm.callAs(admins.stepUpToken(admins.admin("manage-realm", "view-realm")), "PUT",
                        "components/" + tab.path("id").asText(), edited.toString());
                assertThat(saved.status()).as(saved.body()).isEqualTo(204);
                Map<String, String> after = attributes(realm);
                assertThat(after).containsEntry("bastion.stepUp.maxAgeSeconds", "120").containsEntry("bastion.session.maxSeconds", "7200");
                for (String untouched : List.of("bastion.impersonation.requireReason", "bastion.session.offlineMaxSeconds",
                        "bastion.rateLimit.impersonation", "bastion.stepUp.writesMaxAgeSeconds")) {
                    assertThat(after.get(untouched)).as(untouched + " stays unset").isEqualTo(before.get(untouched)).isNull();
                }
            } finally {
                realm.callAs(admins.stepUpToken(admins.admin("manage-realm", "view-realm")), "DELETE",
                        "components/" + tab(realm).path("id").asText(), null);
                Map<String, String> reset = new HashMap<>();
                reset.put("bastion.session.maxSeconds", null);
                reset.put("bastion.stepUp.maxAgeSeconds", null);
                realm.setAttributes(reset);
            }
        }

        static JsonNode tab(TestRealm realm) {
            Oidc.Reply list = realm.adminCall("GET", "components?type=org.keycloak.services.ui.extend.UiTabProvider", null);
            assertThat(list.status()).as(list.body()).isEqualTo(200);
            for (JsonNode c : list.json()) {
                if ("bastion-policy".equals(c.path("providerId").asText())) return c;
            }
            throw new AssertionError("no bastion-policy component: " + list.body());
        }
    }
}
