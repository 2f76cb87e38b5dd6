package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile and broken input against every Bastion endpoint and the guarded built-in ones. Every case: the expected
 * status, a JSON body with {@code error}, no 5xx, and nothing changed (the realm's policy attributes, a canary user's
 * sessions, the target users' sessions).
 */
@BastionKeycloak
@DisplayName("Bad input: clear 4xx JSON errors, never a 5xx, nothing changed")
class BadInputIT {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static MasterAdmins admins;
    static TestRealm.User canary;
    static TestRealm.User target;
    static TestRealm.Client app;

    /** One request and what it must answer. */
    record Case(String name, String method, String url, String token, String contentType, byte[] body, Map<String, String> headers,
                Set<Integer> expected) {
    }

    @BeforeAll
    static void setUp(KeycloakServer server, TestRealm realm) {
        admins = MasterAdmins.create(server, realm);
        app = realm.createClient("bad-input-app");
        canary = realm.createUser("canary", false);
        target = realm.createUser("target", false);
        realm.oidc().passwordGrant(app.clientId(), app.secret(), canary.username(), canary.password());
    }

    @AfterAll
    static void tearDown() {
        if (admins != null) admins.close();
    }

    static HttpResponse<String> send(Case c) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.url())).timeout(Duration.ofSeconds(30));
        if (c.token() != null) b.header("Authorization", "Bearer " + c.token());
        if (c.contentType() != null) b.header("Content-Type", c.contentType());
        c.headers().forEach(b::header);
        b.method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(c.body()));
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(c.name(), e);
        }
    }

    static Map<String, String> policyAttributes(TestRealm realm) {
        Map<String, String> all = realm.admin().toRepresentation().getAttributes();
        Map<String, String> bastion = new HashMap<>();
        if (all != null) all.forEach((k, v) -> {
            if (k.startsWith("bastion.")) bastion.put(k, v);
        });
        return bastion;
    }

    static int sessions(TestRealm realm, TestRealm.User user) {
        return realm.admin().users().get(user.id()).getUserSessions().size()
                + realm.admin().users().get(user.id()).getOfflineSessions(app.uuid()).size();
    }

    /** Runs the cases; returns how many ran. */
    static int runMatrix(TestRealm realm, List<Case> cases) {
        Map<String, String> policy = policyAttributes(realm);
        int canarySessions = sessions(realm, canary);
        int targetSessions = sessions(realm, target);
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            HttpResponse<String> r = send(c);
            JsonNode json = Oidc.parse(r.body());
            if (r.statusCode() >= 500) failures.add(c.name() + ": 5xx " + r.statusCode() + " " + r.body());
            else if (!c.expected().contains(r.statusCode())) failures.add(c.name() + ": status " + r.statusCode() + " not in "
                    + c.expected() + " " + abbreviate(r.body()));
            else if (json == null || !json.hasNonNull("error")) failures.add(c.name() + ": no JSON error body: " + abbreviate(r.body()));
        }
        assertThat(failures).as("cases that answered wrongly").isEmpty();
        assertThat(policyAttributes(realm)).as("policy unchanged").isEqualTo(policy);
        assertThat(sessions(realm, canary)).as("canary sessions unchanged").isEqualTo(canarySessions);
        assertThat(sessions(realm, target)).as("target sessions unchanged").isEqualTo(targetSessions);
        return cases.size();
    }

    static String abbreviate(String s) {
        return s == null ? "null" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Nested
    @DisplayName("The matrix")
    class Matrix {

        @Test
        @DisplayName("bodies, ids, tokens, roles and reason headers over every Bastion endpoint and the guarded built-ins")
        void matrix(KeycloakServer server, TestRealm realm) {
            String base = server.baseUrl() + "/admin/realms/" + realm.name();
            String manager = admins.stepUpToken(admins.admin("manage-realm", "view-realm", "manage-users", "view-users", "impersonation"));
            String noStepUp = admins.plainToken(admins.admin("manage-realm", "view-realm", "manage-users", "view-users", "impersonation"));
            String noRoles = admins.stepUpToken(admins.admin());
            String viewer = admins.stepUpToken(admins.admin("view-realm"));
            String otherRealm = realm.oidc().passwordGrant(app.clientId(), app.secret(), canary.username(), canary.password())
                    .text("access_token");
            String expired = expiredToken(realm);
            String json = "application/json";
            byte[] mib = new byte[1024 * 1024];
            java.util.Arrays.fill(mib, (byte) 'a');
            String longId = "x".repeat(5000);
            Map<String, String> none = Map.of();

            List<Case> cases = new ArrayList<>();
            // PUT policy: bodies
            for (String body : List.of("{", "[1,2]", "\"text\"", "null", "{\"bastion.stepUp.maxAgeSeconds\": {\"a\": 1}}",
                    "{\"bastion.stepUp.maxAgeSeconds\": [300]}", "{\"bastion.unknown\": 1}", "{\"bastion.stepUp.maxAgeSeconds\": \"abc\"}",
                    "{\"bastion.stepUp.maxAgeSeconds\": -1}", "{\"bastion.stepUp.maxAgeSeconds\": 1e308}",
                    "{\"bastion.rateLimit.impersonation\": \"admin=99999/1s\"}", "{\"bastion.securityContact\": \"a@b\"}",
                    "{\"bastion.impersonation.protectedRoles\": \"../../etc\"}")) {
                cases.add(new Case("PUT policy " + body, "PUT", base + "/bastion/policy", manager, json, bytes(body), none, Set.of(400)));
            }
            cases.add(new Case("PUT policy 1 MiB", "PUT", base + "/bastion/policy", manager, json, mib, none, Set.of(400, 413)));
            cases.add(new Case("PUT policy non-UTF-8", "PUT", base + "/bastion/policy", manager, json,
                    new byte[]{'{', '"', (byte) 0xff, (byte) 0xfe, '"', ':', '1', '}'}, none, Set.of(400)));
            cases.add(new Case("PUT policy as text/plain", "PUT", base + "/bastion/policy", manager,
                    "text/plain", bytes("{}"), none, Set.of(415)));
            // Tokens and roles
            for (String path : List.of("/bastion/policy", "/bastion/posture", "/bastion/impersonations")) {
                cases.add(new Case("GET " + path + " without token", "GET", base + path, null, null, null, none, Set.of(401)));
                cases.add(new Case("GET " + path + " expired token", "GET", base + path, expired, null, null, none, Set.of(401)));
                cases.add(new Case("GET " + path + " other realm's token", "GET", base + path, otherRealm, null, null, none, Set.of(403)));
                cases.add(new Case("GET " + path + " no roles", "GET", base + path, noRoles, null, null, none, Set.of(403)));
            }
            cases.add(new Case("PUT policy without token", "PUT", base + "/bastion/policy", null, json, bytes("{}"), none, Set.of(401)));
            cases.add(new Case("PUT policy viewer", "PUT", base + "/bastion/policy", viewer, json,
                    bytes("{\"bastion.stepUp.maxAgeSeconds\": 60}"), none, Set.of(403)));
            cases.add(new Case("PUT policy no step-up", "PUT", base + "/bastion/policy", noStepUp, json,
                    bytes("{\"bastion.stepUp.maxAgeSeconds\": 60}"), none, Set.of(401)));
            // Ids
            for (String id : List.of("no-such-id", "..%2F..%2Fmaster", longId, "%FF%FE", "%00", "'%20OR%201=1")) {
                cases.add(new Case("revoke-sessions id " + abbreviate(id), "POST", base + "/bastion/users/" + id + "/revoke-sessions",
                        manager, null, null, none, Set.of(400, 404)));
                cases.add(new Case("DELETE impersonation id " + abbreviate(id), "DELETE", base + "/bastion/impersonations/" + id,
                        manager, null, null, none, Set.of(400, 404)));
                cases.add(new Case("impersonate id " + abbreviate(id), "POST", base + "/users/" + id + "/impersonation",
                        manager, null, null, Map.of("X-Bastion-Reason", "T-1"), Set.of(400, 404)));
            }
            // Guarded built-in: impersonation with bad reasons, bodies and tokens
            String imp = base + "/users/" + target.id() + "/impersonation";
            // Java's HTTP client sends no control characters in headers but a tab; a JSON body carries any.
            cases.add(new Case("impersonate reason header with a tab", "POST", imp, manager, null, null,
                    Map.of("X-Bastion-Reason", "T-1\tcol"), Set.of(400)));
            cases.add(new Case("impersonate JSON reason with control characters", "POST", imp, manager, json,
                    bytes("{\"reason\": \"T-1\\u0007bell\\u0000\"}"), none, Set.of(400)));
            cases.add(new Case("impersonate reason 10 kB", "POST", imp, manager, null, null,
                    Map.of("X-Bastion-Reason", "r".repeat(10_000)), Set.of(400)));
            cases.add(new Case("impersonate JSON reason 10 kB", "POST", imp, manager, json,
                    bytes("{\"reason\": \"" + "r".repeat(10_000) + "\"}"), none, Set.of(400)));
            cases.add(new Case("impersonate malformed JSON", "POST", imp, manager, json, bytes("{\"reason\": "), none, Set.of(400)));
            cases.add(new Case("impersonate reason as number", "POST", imp, manager, json, bytes("{\"reason\": 42}"), none, Set.of(400)));
            cases.add(new Case("impersonate 1 MiB body", "POST", imp, manager, json, mib, none, Set.of(400, 413)));
            cases.add(new Case("impersonate without token", "POST", imp, null, null, null, Map.of("X-Bastion-Reason", "T-1"), Set.of(401)));
            cases.add(new Case("impersonate expired token", "POST", imp, expired, null, null,
                    Map.of("X-Bastion-Reason", "T-1"), Set.of(401)));
            cases.add(new Case("impersonate other realm's token", "POST", imp, otherRealm, null, null,
                    Map.of("X-Bastion-Reason", "T-1"), Set.of(403)));
            cases.add(new Case("impersonate no roles", "POST", imp, noRoles, null, null, Map.of("X-Bastion-Reason", "T-1"), Set.of(403)));
            cases.add(new Case("impersonate no step-up", "POST", imp, noStepUp, null, null,
                    Map.of("X-Bastion-Reason", "T-1"), Set.of(401)));
            // revoke-sessions is containment: no step-up; a caller without manage-users is refused.
            cases.add(new Case("revoke-sessions without manage-users", "POST", base + "/bastion/users/" + canary.id() + "/revoke-sessions",
                    viewer, null, null, none, Set.of(403)));
            cases.add(new Case("revoke-sessions viewer", "POST", base + "/bastion/users/" + canary.id() + "/revoke-sessions",
                    viewer, null, null, none, Set.of(403)));
            // Public pages
            String realmBase = server.baseUrl() + "/realms/" + realm.name() + "/bastion";
            // Without parameters the page returns to the console; this realm's flow has no step-up: 409 step_up_not_configured.
            cases.add(new Case("step-up without parameters, no step-up in the flow", "GET", realmBase + "/step-up",
                    null, null, null, none, Set.of(409)));
            for (String q : List.of("?client_id=account", "?redirect_uri=javascript:alert(1)", "?redirect_uri=%FF",
                    "?redirect_uri=" + "h".repeat(5000),
                    "?redirect_uri=http%3A%2F%2Fevil.example%2F&client_id=" + "c".repeat(300))) {
                cases.add(new Case("step-up " + abbreviate(q), "GET", realmBase + "/step-up" + q, null, null, null, none, Set.of(400)));
            }
            // Token exchange impersonation path
            String subject = realm.oidc().passwordGrant(app.clientId(), app.secret(), canary.username(), canary.password())
                    .text("access_token");
            cases.add(new Case("token exchange requested_subject", "POST", realm.oidc().tokenEndpoint(), null,
                    "application/x-www-form-urlencoded",
                    bytes("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&client_id=" + app.clientId()
                            + "&client_secret=" + app.secret() + "&subject_token=" + subject + "&requested_subject=" + target.username()),
                    none, Set.of(403)));

            int ran = runMatrix(realm, cases);
            System.out.println("Bad-input matrix: " + ran + " cases, all 4xx JSON, nothing changed");
        }

        /** The bootstrap admin's token, issued with Keycloak's clock an hour back: expired now. */
        private String expiredToken(TestRealm realm) {
            realm.setClockOffset(-3600);
            try {
                Oidc.Reply r = realm.oidcOf("master").passwordGrant("admin-cli", null, KeycloakServer.ADMIN_USER,
                        KeycloakServer.ADMIN_PASSWORD);
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                return r.text("access_token");
            } finally {
                realm.setClockOffset(0);
            }
        }
    }
}
