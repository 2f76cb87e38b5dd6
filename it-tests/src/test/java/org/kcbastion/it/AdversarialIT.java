package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Jwt;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.MasterAdmins;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.FederatedIdentityRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14: what an adversarial pass with a realm admin's password-only token found, one scenario per finding, each
 * trying the variants of its class (endpoints, path spellings, grants). Finding 2 (credential changes spelled with a
 * trailing slash) lives in {@link AdminCredentialRevocationIT}, beside the revocation checks it reuses.
 */
@BastionKeycloak
@DisplayName("Adversarial findings: policy side doors, FGAP admins, impersonation TTL, token exp, reason and contact text")
class AdversarialIT {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final Duration WAIT = Duration.ofSeconds(30);
    static MasterAdmins admins;

    @BeforeAll
    static void setUp(KeycloakServer server, TestRealm realm) {
        admins = MasterAdmins.create(server, realm);
        realm.setAttributes(Map.of("bastion.rateLimit.impersonation", "admin=1000/1m,ip=1000/1m,target=1000/1m"));
    }

    @AfterAll
    static void tearDown() {
        if (admins != null) admins.close();
    }

    /** Any admin call by absolute path below {@code /admin/realms/}, so that every spelling can be sent as it is. */
    static HttpResponse<String> call(TestRealm realm, String token, String method, String pathBelowRealms, String body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(realm.server().baseUrl() + "/admin/realms/" + pathBelowRealms))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
            if (body == null) b.method(method, HttpRequest.BodyPublishers.noBody());
            else b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, String> realmAttributes(TestRealm realm) {
        Map<String, String> a = realm.admin().toRepresentation().getAttributes();
        return a == null ? Map.of() : new HashMap<>(a);
    }

    static void assertRefused(HttpResponse<String> r, int status, String error, String what) {
        assertThat(r.statusCode()).as(what + ": " + r.body()).isEqualTo(status);
        JsonNode body = Oidc.parse(r.body());
        assertThat(body.path("error").asText()).as(what).isEqualTo(error);
        assertThat(body.path("error_description").asText()).as(what).isNotBlank();
    }

    @Nested
    @DisplayName("Finding 1: every endpoint that writes policy attributes goes through the guard and the validation")
    class PolicySideDoors {

        @Test
        @DisplayName("realm attributes: PUT {realm}, PUT {realm}/, PUT ui-ext, PUT ui-ext/ without a step-up are 401 and change nothing; "
                + "with one, ui-ext stores the change")
        void realmAttributeWrites(TestRealm realm) {
            String plain = admins.plainToken(admins.admin("manage-realm", "view-realm"));
            HttpResponse<String> got = call(realm, plain, "GET", realm.name(), null);
            assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
            ObjectNode rep = (ObjectNode) Oidc.parse(got.body());
            ObjectNode loose = rep.deepCopy();
            ObjectNode attributes = loose.has("attributes") ? (ObjectNode) loose.get("attributes") : loose.putObject("attributes");
            attributes.put("bastion.revokeOnAdminCredentialChange", "false");
            attributes.put("bastion.stepUp.maxAgeSeconds", "3600");
            attributes.put("bastion.impersonation.maxSessionSeconds", "86400");
            Map<String, String> before = realmAttributes(realm);

            for (String path : List.of(realm.name(), realm.name() + "/", realm.name() + "/ui-ext", realm.name() + "/ui-ext/")) {
                HttpResponse<String> r = call(realm, plain, "PUT", path, loose.toString());
                assertRefused(r, 401, "step_up_required", "PUT " + path);
                assertThat(r.headers().firstValue("WWW-Authenticate").orElse("")).contains("insufficient_user_authentication");
                assertThat(Oidc.parse(r.body()).path("errorMessage").asText()).as("the console shows errorMessage")
                        .contains("step_up_required");
                assertThat(realmAttributes(realm)).as("PUT " + path + " stored nothing").isEqualTo(before);
            }

            String stepUp = admins.stepUpToken(admins.admin("manage-realm", "view-realm"));
            ObjectNode stricter = rep.deepCopy();
            ObjectNode a = stricter.has("attributes") ? (ObjectNode) stricter.get("attributes") : stricter.putObject("attributes");
            a.put("bastion.stepUp.maxAgeSeconds", "120");
            HttpResponse<String> allowed = call(realm, stepUp, "PUT", realm.name() + "/ui-ext", stricter.toString());
            assertThat(allowed.statusCode()).as(allowed.body()).isIn(200, 204);
            try {
                assertThat(realmAttributes(realm)).containsEntry("bastion.stepUp.maxAgeSeconds", "120");
            } finally {
                Map<String, String> reset = new HashMap<>();
                reset.put("bastion.stepUp.maxAgeSeconds", null);
                realm.setAttributes(reset);
            }
        }

        @Test
        @DisplayName("report mode (bastion.session.enforce=report) switches caps off in effect: a password-only token is refused on "
                + "bastion/policy, PUT {realm} and ui-ext, and nothing is stored")
        void reportModeNeedsStepUp(TestRealm realm) {
            String plain = admins.plainToken(admins.admin("manage-realm", "view-realm"));
            Map<String, String> before = realmAttributes(realm);
            Oidc.Reply policy = realm.callAs(plain, "PUT", "bastion/policy", "{\"bastion.session.enforce\": \"report\"}");
            assertThat(policy.status()).as(policy.body()).isEqualTo(401);
            assertThat(policy.json().path("error").asText()).isEqualTo("step_up_required");

            ObjectNode rep = (ObjectNode) Oidc.parse(call(realm, plain, "GET", realm.name(), null).body());
            ObjectNode attributes = rep.has("attributes") ? (ObjectNode) rep.get("attributes") : rep.putObject("attributes");
            attributes.put("bastion.session.enforce", "report");
            for (String path : List.of(realm.name(), realm.name() + "/ui-ext")) {
                assertRefused(call(realm, plain, "PUT", path, rep.toString()), 401, "step_up_required", "PUT " + path);
            }
            assertThat(realmAttributes(realm)).as("nothing stored").isEqualTo(before).doesNotContainKey("bastion.session.enforce");
        }

        @Test
        @DisplayName("an out-of-range value is 400 invalid_policy naming the attribute on every path, for a stepped-up admin "
                + "and for automation alike")
        void invalidValues(TestRealm realm) {
            String stepUp = admins.stepUpToken(admins.admin("manage-realm", "view-realm", "manage-clients", "view-clients"));
            ObjectNode rep = (ObjectNode) Oidc.parse(call(realm, stepUp, "GET", realm.name(), null).body());
            ObjectNode attributes = rep.has("attributes") ? (ObjectNode) rep.get("attributes") : rep.putObject("attributes");
            attributes.put("bastion.session.maxSeconds", "20");
            Map<String, String> before = realmAttributes(realm);
            for (String path : List.of(realm.name(), realm.name() + "/ui-ext")) {
                HttpResponse<String> r = call(realm, stepUp, "PUT", path, rep.toString());
                assertRefused(r, 400, "invalid_policy", "PUT " + path);
                assertThat(Oidc.parse(r.body()).path("error_description").asText()).contains("bastion.session.maxSeconds").contains("60");
                assertThat(realmAttributes(realm)).isEqualTo(before);
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> realm.setAttributes(Map.of("bastion.session.maxSeconds", "20")))
                    .as("a service account is validated too").isInstanceOf(jakarta.ws.rs.BadRequestException.class);
            assertThat(realmAttributes(realm)).isEqualTo(before);

            TestRealm.Client app = realm.createClient("invalid-cap-app");
            ClientRepresentation client = realm.admin().clients().get(app.uuid()).toRepresentation();
            client.getAttributes().put("bastion.session.maxSeconds", "forever");
            HttpResponse<String> clientWrite = call(realm, stepUp, "PUT", realm.name() + "/clients/" + app.uuid(), json(client));
            assertRefused(clientWrite, 400, "invalid_policy", "client cap 'forever'");
            assertThat(realm.admin().clients().get(app.uuid()).toRepresentation().getAttributes())
                    .doesNotContainKey("bastion.session.maxSeconds");

            HttpResponse<String> roleWrite = call(realm, stepUp, "POST", realm.name() + "/roles",
                    "{\"name\": \"too-short-cap\", \"attributes\": {\"bastion.session.maxSeconds\": [\"10\"]}}");
            assertRefused(roleWrite, 400, "invalid_policy", "role cap 10");
            assertThat(realm.admin().roles().list().stream().map(RoleRepresentation::getName)).doesNotContain("too-short-cap");

            // Validation comes before the guard: the bootstrap admin (who could create realms) hears 400, not 401.
            HttpResponse<String> newRealm = call(realm, realm.server().admin().tokenManager().getAccessTokenString(), "POST", "",
                    "{\"realm\": \"adversarial-new\", \"enabled\": true, \"attributes\": {\"bastion.stepUp.maxAgeSeconds\": \"1\"}}");
            assertRefused(newRealm, 400, "invalid_policy", "a new realm with a 1 s step-up age");
            assertThat(realm.server().admin().realms().findAll().stream().map(RealmRepresentation::getRealm))
                    .doesNotContain("adversarial-new");
        }

        @Test
        @DisplayName("client and role caps: raising or removing one (PUT clients/{id}[/], PUT roles/{name}, PUT roles-by-id/{id}/, "
                + "partialImport) "
                + "needs a step-up; lowering one does not")
        void capWrites(TestRealm realm) {
            TestRealm.Client app = realm.createClient("capped-app");
            realm.setClientAttributes(app.uuid(), Map.of("bastion.session.maxSeconds", "600"));
            RoleRepresentation role = new RoleRepresentation();
            role.setName("capped-role");
            role.setAttributes(Map.of("bastion.session.maxSeconds", List.of("600")));
            realm.admin().roles().create(role);
            String roleId = realm.admin().roles().get("capped-role").toRepresentation().getId();

            String plain = admins.plainToken(admins.admin("manage-realm", "view-realm", "manage-clients", "view-clients"));
            ClientRepresentation raised = realm.admin().clients().get(app.uuid()).toRepresentation();
            raised.getAttributes().put("bastion.session.maxSeconds", "7200");
            ClientRepresentation removed = realm.admin().clients().get(app.uuid()).toRepresentation();
            removed.getAttributes().put("bastion.session.maxSeconds", "");
            RoleRepresentation roleRaised = realm.admin().roles().get("capped-role").toRepresentation();
            roleRaised.setAttributes(Map.of("bastion.session.maxSeconds", List.of("7200")));
            RoleRepresentation roleRemoved = realm.admin().roles().get("capped-role").toRepresentation();
            roleRemoved.setAttributes(Map.of("other", List.of("x")));

            Map<String, String[]> writes = new LinkedHashMap<>();
            writes.put("raise a client cap", new String[]{"PUT", "clients/" + app.uuid(), json(raised)});
            writes.put("remove a client cap, trailing slash", new String[]{"PUT", "clients/" + app.uuid() + "/", json(removed)});
            writes.put("raise a role cap by name", new String[]{"PUT", "roles/capped-role", json(roleRaised)});
            writes.put("drop a role cap by leaving it out", new String[]{"PUT", "roles/capped-role", json(roleRemoved)});
            writes.put("raise a role cap by id, trailing slash", new String[]{"PUT", "roles-by-id/" + roleId + "/", json(roleRaised)});
            writes.put("overwrite a role cap by partial import", new String[]{"POST", "partialImport",
                    "{\"ifResourceExists\": \"OVERWRITE\", \"roles\": {\"realm\": [{\"name\": \"capped-role\", "
                            + "\"attributes\": {\"bastion.session.maxSeconds\": [\"7200\"]}}]}}"});
            for (var w : writes.entrySet()) {
                HttpResponse<String> r = call(realm, plain, w.getValue()[0], realm.name() + "/" + w.getValue()[1], w.getValue()[2]);
                assertRefused(r, 401, "step_up_required", w.getKey());
                assertThat(realm.admin().clients().get(app.uuid()).toRepresentation().getAttributes())
                        .as(w.getKey()).containsEntry("bastion.session.maxSeconds", "600");
                assertThat(realm.admin().roles().get("capped-role").toRepresentation().getAttributes().get("bastion.session.maxSeconds"))
                        .as(w.getKey()).containsExactly("600");
            }

            ClientRepresentation lowered = realm.admin().clients().get(app.uuid()).toRepresentation();
            lowered.getAttributes().put("bastion.session.maxSeconds", "300");
            HttpResponse<String> lower = call(realm, plain, "PUT", realm.name() + "/clients/" + app.uuid(), json(lowered));
            assertThat(lower.statusCode()).as("lowering a cap shortens sessions: no step-up. " + lower.body()).isEqualTo(204);
            assertThat(realm.admin().clients().get(app.uuid()).toRepresentation().getAttributes())
                    .containsEntry("bastion.session.maxSeconds", "300");

            String stepUp = admins.stepUpToken(admins.admin("manage-realm", "view-realm", "manage-clients", "view-clients"));
            HttpResponse<String> raise = call(realm, stepUp, "PUT", realm.name() + "/roles-by-id/" + roleId, json(roleRaised));
            assertThat(raise.statusCode()).as(raise.body()).isEqualTo(204);
            assertThat(realm.admin().roles().get("capped-role").toRepresentation().getAttributes().get("bastion.session.maxSeconds"))
                    .containsExactly("7200");
        }
    }

    @Nested
    @DisplayName("Finding 3: a user with admin power through fine-grained permissions (v2) is a protected target")
    class FineGrainedAdmins {

        @Test
        @DisplayName("a helpdesk user with a 'reset-password' permission over Users (user policy), and a group member with 'manage', "
                + "cannot be impersonated; an ordinary user can")
        void fgapUserProtected(TestRealm realm) {
            RealmRepresentation rep = realm.admin().toRepresentation();
            rep.setAdminPermissionsEnabled(true);
            realm.asAutomation().update(rep);
            String permissionsClient = Poll.until("admin-permissions client", WAIT, () ->
                    realm.admin().clients().findByClientId("admin-permissions").stream().findFirst().map(ClientRepresentation::getId));
            String authz = "clients/" + permissionsClient + "/authz/resource-server/";

            TestRealm.User helpdesk = realm.createUser("fgap-helpdesk", false);
            Oidc.Reply userPolicy = realm.adminCall("POST", authz + "policy/user",
                    "{\"name\": \"helpdesk-user\", \"users\": [\"" + helpdesk.id() + "\"]}");
            assertThat(userPolicy.status()).as(userPolicy.body()).isEqualTo(201);
            Oidc.Reply permission = realm.adminCall("POST", authz + "permission/scope",
                    "{\"name\": \"helpdesk-reset-password\", \"resourceType\": \"Users\", \"scopes\": [\"reset-password\"], "
                            + "\"policies\": [\"" + userPolicy.text("id") + "\"]}");
            assertThat(permission.status()).as(permission.body()).isEqualTo(201);

            TestRealm.User groupAdmin = realm.createUser("fgap-group-admin", false);
            String groupId;
            try (Response r = realm.admin().groups().add(group("fgap-operators"))) {
                groupId = CreatedResponseUtil.getCreatedId(r);
            }
            realm.admin().users().get(groupAdmin.id()).joinGroup(groupId);
            Oidc.Reply groupPolicy = realm.adminCall("POST", authz + "policy/group",
                    "{\"name\": \"operators\", \"groups\": [{\"id\": \"" + groupId + "\", \"extendChildren\": false}]}");
            assertThat(groupPolicy.status()).as(groupPolicy.body()).isEqualTo(201);
            Oidc.Reply groupPermission = realm.adminCall("POST", authz + "permission/scope",
                    "{\"name\": \"operators-manage-users\", \"resourceType\": \"Users\", \"scopes\": [\"manage\"], "
                            + "\"policies\": [\"" + groupPolicy.text("id") + "\"]}");
            assertThat(groupPermission.status()).as(groupPermission.body()).isEqualTo(201);

            TestRealm.User ordinary = realm.createUser("fgap-ordinary", false);
            TestRealm.User admin = admins.admin("impersonation", "view-users");
            String token = admins.stepUpToken(admin);
            for (TestRealm.User target : List.of(helpdesk, groupAdmin)) {
                HttpResponse<String> r = impersonate(realm, token, target.id(), "FGAP-1");
                assertRefused(r, 403, "protected_target", target.username());
                assertThat(Oidc.parse(r.body()).path("error_description").asText()).contains("fine-grained permission");
                assertThat(realm.admin().users().get(target.id()).getUserSessions()).as("no session for " + target.username()).isEmpty();
            }
            HttpResponse<String> ok = impersonate(realm, token, ordinary.id(), "FGAP-2");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        }
    }

    static org.keycloak.representations.idm.GroupRepresentation group(String name) {
        org.keycloak.representations.idm.GroupRepresentation g = new org.keycloak.representations.idm.GroupRepresentation();
        g.setName(name);
        return g;
    }

    static HttpResponse<String> impersonate(TestRealm realm, String token, String userId, String reason) {
        return call(realm, token, "POST", realm.name() + "/users/" + userId + "/impersonation",
                reason == null ? null : "{\"reason\": " + jsonString(reason) + "}");
    }

    @Nested
    @DisplayName("Impersonation is judged by the endpoint Keycloak routes to, not by the path's spelling")
    class ImpersonationSpellings {

        @Test
        @DisplayName("POST users/{id}/impersonation/ (trailing slash): a password-only token is refused and no session appears; "
                + "after a step-up the same spelling works")
        void trailingSlash(TestRealm realm) {
            TestRealm.User target = realm.createUser("spelling-target", false);
            TestRealm.User admin = admins.admin("impersonation", "view-users");
            String path = realm.name() + "/users/" + target.id() + "/impersonation/";
            String reason = "{\"reason\": \"SPELL-1\"}";
            HttpResponse<String> refused = call(realm, admins.plainToken(admin), "POST", path, reason);
            assertRefused(refused, 401, "step_up_required", "password-only token, trailing slash");
            assertThat(realm.admin().users().get(target.id()).getUserSessions()).as("no session after the refusal").isEmpty();

            HttpResponse<String> allowed = call(realm, admins.stepUpToken(admin), "POST", path, reason);
            assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
            assertThat(realm.admin().users().get(target.id()).getUserSessions()).hasSize(1);
        }
    }

    @Nested
    @DisplayName("Finding 4: every session born from an impersonation ends at the impersonation's start plus its TTL")
    class ImpersonationTtl {

        @Test
        @DisplayName("an offline token taken through the impersonation's SSO cookie at +50 s of a 60 s impersonation is refused at +61 s; "
                + "raising the TTL meanwhile extends nothing")
        void offlineBornFromImpersonation(TestRealm realm) {
            TestRealm.Client app = realm.createClient("impersonation-offline-app");
            realm.setAttributes(Map.of("bastion.impersonation.maxSessionSeconds", "60"));
            try {
                TestRealm.User target = realm.createUser("ttl-target", false);
                long started = System.currentTimeMillis() / 1000;
                HttpResponse<String> r = impersonate(realm, admins.stepUpToken(admins.admin("impersonation", "view-users")),
                        target.id(), "TTL-1");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                realm.setClockOffset(50);
                Oidc.Browser b = realm.oidc().browser().cookiesFrom(r);
                b.open(app.clientId(), app.redirectUri(), "scope", "openid offline_access");
                String code = b.code(app.redirectUri()).orElseThrow(() -> new AssertionError("no SSO as the target: " + b.page().text()));
                Oidc.Reply tokens = realm.oidc().exchangeCode(app.clientId(), app.secret(), code, app.redirectUri());
                assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
                JsonNode offline = Jwt.claims(tokens.text("refresh_token"));
                assertThat(offline.path("typ").asText()).isEqualTo("Offline");
                assertThat(Jwt.claims(tokens.text("access_token")).path("exp").asLong()).as("access token exp")
                        .isLessThanOrEqualTo(started + 62);
                assertThat(offline.path("exp").asLong()).as("offline token exp").isLessThanOrEqualTo(started + 62);

                // Raising the TTL now must not extend the running impersonation or what was born from it.
                realm.setAttributes(Map.of("bastion.impersonation.maxSessionSeconds", "3600"));
                realm.setClockOffset(62);
                Oidc.Reply refresh = realm.oidc().refresh(app.clientId(), app.secret(), tokens.text("refresh_token"));
                assertThat(refresh.status()).as("offline refresh after the impersonation ended: " + refresh.body()).isEqualTo(400);
                assertThat(refresh.text("error")).isEqualTo("invalid_grant");
            } finally {
                realm.setClockOffset(0);
                realm.setAttributes(Map.of("bastion.impersonation.maxSessionSeconds", "900"));
            }
        }
    }

    @Nested
    @DisplayName("Finding 5: every token's exp stays within the session's deadline, whatever grant issued it")
    class TokenExp {

        @Test
        @DisplayName("use.refresh.tokens=false with a 60 s client cap: password grant and code flow give expires_in <= 60")
        void noRefreshTokens(TestRealm realm) {
            TestRealm.Client app = realm.createClient("no-refresh-app");
            realm.setClientAttributes(app.uuid(), Map.of("use.refresh.tokens", "false", "bastion.session.maxSeconds", "60"));
            TestRealm.User user = realm.createUser("no-refresh-user", false);

            Oidc.Reply password = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
            assertThat(password.status()).as(password.body()).isEqualTo(200);
            assertTokenWithin(password, 60, "password grant");

            Oidc.Browser b = realm.oidc().browser();
            String code = b.authorize(app.clientId(), app.redirectUri(), user.username(), user.password(), null)
                    .orElseThrow(() -> new AssertionError("login failed: " + b.page().text()));
            Oidc.Reply codeTokens = realm.oidc().exchangeCode(app.clientId(), app.secret(), code, app.redirectUri());
            assertThat(codeTokens.status()).as(codeTokens.body()).isEqualTo(200);
            assertTokenWithin(codeTokens, 60, "code flow");
        }

        @Test
        @DisplayName(
                "an implicit-flow access token inside a 60 s impersonation expires with the impersonation, not after the realm's 900 s")
        void implicitInsideImpersonation(TestRealm realm) {
            TestRealm.Client app = realm.createClient("implicit-app");
            ClientRepresentation rep = realm.admin().clients().get(app.uuid()).toRepresentation();
            rep.setImplicitFlowEnabled(true);
            realm.admin().clients().get(app.uuid()).update(rep);
            realm.setAttributes(Map.of("bastion.impersonation.maxSessionSeconds", "60"));
            try {
                TestRealm.User target = realm.createUser("implicit-target", false);
                long started = System.currentTimeMillis() / 1000;
                HttpResponse<String> r = impersonate(realm, admins.stepUpToken(admins.admin("impersonation", "view-users")),
                        target.id(), "IMPLICIT-1");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                Oidc.Browser b = realm.oidc().browser().cookiesFrom(r);
                b.open(app.clientId(), app.redirectUri(), "response_type", "token", "response_mode", "fragment");
                String location = b.location().orElseThrow(() -> new AssertionError("no redirect to the client: " + b.page().text()));
                String fragment = URI.create(location).getRawFragment();
                assertThat(fragment).as(location).contains("access_token=");
                String accessToken = java.util.Arrays.stream(fragment.split("&")).filter(p -> p.startsWith("access_token="))
                        .findFirst().orElseThrow().substring("access_token=".length());
                JsonNode claims = Jwt.claims(accessToken);
                assertThat(claims.path("sub").asText()).isEqualTo(target.id());
                assertThat(claims.path("exp").asLong()).as("implicit access token exp").isLessThanOrEqualTo(started + 62);
                String expiresIn = java.util.Arrays.stream(fragment.split("&")).filter(p -> p.startsWith("expires_in="))
                        .findFirst().orElseThrow().substring("expires_in=".length());
                assertThat(Long.parseLong(expiresIn)).isLessThanOrEqualTo(62);
            } finally {
                realm.setAttributes(Map.of("bastion.impersonation.maxSessionSeconds", "900"));
            }
        }

        @Test
        @DisplayName("standard token exchange under a 60 s client cap, access tokens of 3600 s: the exchanged access token expires "
                + "within the cap (as does a refresh token asked for), not an hour later")
        void standardTokenExchange(TestRealm realm) {
            TestRealm.Client app = realm.createClient("exchange-app");
            realm.setClientAttributes(app.uuid(), Map.of("standard.token.exchange.enabled", "true",
                    "standard.token.exchange.enableRefreshRequestedTokenType", "SAME_SESSION",
                    "access.token.lifespan", "3600", "bastion.session.maxSeconds", "60"));
            TestRealm.User user = realm.createUser("exchange-user", false);
            long started = System.currentTimeMillis() / 1000;
            Oidc.Reply login = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
            assertThat(login.status()).as(login.body()).isEqualTo(200);

            Oidc.Reply exchanged = realm.oidc().tokenExchange(app.clientId(), app.secret(), "subject_token", login.text("access_token"),
                    "subject_token_type", "urn:ietf:params:oauth:token-type:access_token");
            assertThat(exchanged.status()).as(exchanged.body()).isEqualTo(200);
            JsonNode access = Jwt.claims(exchanged.text("access_token"));
            assertThat(access.path("sub").asText()).isEqualTo(user.id());
            assertThat(access.path("exp").asLong()).as("exchanged access token exp").isLessThanOrEqualTo(started + 62);
            assertThat(exchanged.json().path("expires_in").asLong()).isLessThanOrEqualTo(62);

            Oidc.Reply withRefresh = realm.oidc().tokenExchange(app.clientId(), app.secret(), "subject_token",
                    login.text("access_token"), "subject_token_type", "urn:ietf:params:oauth:token-type:access_token",
                    "requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token");
            assertThat(withRefresh.status()).as(withRefresh.body()).isEqualTo(200);
            assertThat(Jwt.claims(withRefresh.text("access_token")).path("exp").asLong()).isLessThanOrEqualTo(started + 62);
            assertThat(Jwt.claims(withRefresh.text("refresh_token")).path("exp").asLong()).isLessThanOrEqualTo(started + 62);
        }

        @Test
        @DisplayName("JWT authorization grant (jwt-bearer, on by default) under a 60 s client cap, access tokens of 3600 s: "
                + "the access token expires within the cap, not an hour later")
        void jwtAuthorizationGrant(TestRealm realm) throws Exception {
            KeyPair issuerKey = KeyPairGenerator.getInstance("RSA").generateKeyPair();
            IdentityProviderRepresentation idp = new IdentityProviderRepresentation();
            idp.setAlias("trusted-issuer");
            idp.setProviderId("jwt-authorization-grant");
            idp.setEnabled(true);
            idp.setConfig(new HashMap<>(Map.of("issuer", "https://issuer.example.test",
                    "useJwksUrl", "false",
                    "publicKeySignatureVerifier", Base64.getEncoder().encodeToString(issuerKey.getPublic().getEncoded()))));
            try (Response created = realm.admin().identityProviders().create(idp)) {
                assertThat(created.getStatus()).isEqualTo(201);
            }
            TestRealm.Client app = realm.createClient("assertion-app");
            realm.setClientAttributes(app.uuid(), Map.of("oauth2.jwt.authorization.grant.enabled", "true",
                    "oauth2.jwt.authorization.grant.idp", "trusted-issuer",
                    "access.token.lifespan", "3600", "bastion.session.maxSeconds", "60"));
            TestRealm.User user = realm.createUser("assertion-user", false);
            FederatedIdentityRepresentation link = new FederatedIdentityRepresentation();
            link.setIdentityProvider("trusted-issuer");
            link.setUserId("external-42");
            link.setUserName("external-42");
            try (Response linked = realm.admin().users().get(user.id()).addFederatedIdentity("trusted-issuer", link)) {
                assertThat(linked.getStatus()).isEqualTo(204);
            }

            long started = System.currentTimeMillis() / 1000;
            String assertion = signedJwt(issuerKey, Map.of("iss", "https://issuer.example.test", "sub", "external-42",
                    "aud", realm.oidc().issuer(), "iat", started, "exp", started + 120, "jti", java.util.UUID.randomUUID().toString()));
            Oidc.Reply granted = realm.oidc().jwtAuthorizationGrant(app.clientId(), app.secret(), assertion);
            assertThat(granted.status()).as(granted.body()).isEqualTo(200);
            JsonNode access = Jwt.claims(granted.text("access_token"));
            assertThat(access.path("sub").asText()).isEqualTo(user.id());
            assertThat(access.path("exp").asLong()).as("access token exp").isLessThanOrEqualTo(started + 62);
            assertThat(granted.json().path("expires_in").asLong()).isLessThanOrEqualTo(62);
        }

        /** An RS256 JWT over {@code claims}, as an identity provider would sign an assertion. */
        static String signedJwt(KeyPair key, Map<String, Object> claims) throws Exception {
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String header = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
            String body = b64.encodeToString(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(claims));
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(key.getPrivate());
            rs256.update((header + "." + body).getBytes(StandardCharsets.US_ASCII));
            return header + "." + body + "." + b64.encodeToString(rs256.sign());
        }

        static void assertTokenWithin(Oidc.Reply tokens, long cap, String what) {
            JsonNode access = Jwt.claims(tokens.text("access_token"));
            assertThat(tokens.json().path("refresh_token").isMissingNode() || tokens.json().path("refresh_token").isNull())
                    .as(what + ": no refresh token").isTrue();
            assertThat(tokens.json().path("expires_in").asLong()).as(what + ": expires_in").isLessThanOrEqualTo(cap);
            assertThat(access.path("exp").asLong() - access.path("iat").asLong()).as(what + ": exp - iat").isLessThanOrEqualTo(cap);
        }
    }

    @Nested
    @DisplayName("Findings 6 and 7: reason and security contact refuse control and separator characters")
    class Text {

        @Test
        @DisplayName("a reason with U+2028, U+2029, U+0085, U+202E or a newline is 400 reason_required; "
                + "the stored IMPERSONATE_ERROR reason is escaped")
        void reasons(TestRealm realm) {
            TestRealm.User target = realm.createUser("reason-target", false);
            String token = admins.stepUpToken(admins.admin("impersonation", "view-users"));
            for (String reason : List.of("INC-1\u2028forged line", "INC-2\u2029", "INC-3\u0085x", "INC-4\u202Eevil", "INC-5\nx")) {
                HttpResponse<String> r = impersonate(realm, token, target.id(), reason);
                assertRefused(r, 400, "reason_required", reason.codePoints().mapToObj(Integer::toHexString).toList().toString());
            }
            assertThat(realm.admin().users().get(target.id()).getUserSessions()).isEmpty();
            List<EventRepresentation> denied = Poll.until("five IMPERSONATE_ERROR events", WAIT, () -> {
                List<EventRepresentation> events = realm.admin().getEvents(List.of("IMPERSONATE_ERROR"), null, target.id(),
                        null, null, null, 0, 100);
                return events.size() >= 5 ? java.util.Optional.of(events) : java.util.Optional.empty();
            });
            for (EventRepresentation e : denied) {
                String stored = e.getDetails() == null ? "" : e.getDetails().getOrDefault("reason", "");
                assertThat(stored.codePoints().allMatch(c -> c >= 0x20 && c < 0x7F)).as("stored reason %s", stored).isTrue();
            }
            assertThat(denied.stream().map(e -> e.getDetails().get("reason"))).anyMatch(s -> s.contains("\\u2028"));
        }

        @Test
        @DisplayName("securityContact with NUL, U+0085, U+2028, U+2029 or a space is 400 invalid_policy; nothing stored")
        void securityContact(TestRealm realm) {
            String token = admins.stepUpToken(admins.admin("manage-realm", "view-realm"));
            Map<String, String> before = realmAttributes(realm);
            for (String contact : List.of("soc@bastion.test\u0000", "soc\u0000@bastion.test", "soc@bastion.test\u0085",
                    "soc\u2028@bastion.test", "soc@bastion\u2029.test", "soc @bastion.test")) {
                Oidc.Reply r = realm.callAs(token, "PUT", "bastion/policy", "{\"bastion.securityContact\": " + jsonString(contact) + "}");
                assertThat(r.status()).as(r.body()).isEqualTo(400);
                assertThat(r.text("error")).isEqualTo("invalid_policy");
                assertThat(realmAttributes(realm)).isEqualTo(before);
            }
        }
    }

    static String jsonString(String text) {
        try {
            return org.keycloak.util.JsonSerialization.writeValueAsString(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static String json(Object value) {
        try {
            return org.keycloak.util.JsonSerialization.writeValueAsString(value);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
