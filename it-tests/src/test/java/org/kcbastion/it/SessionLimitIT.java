package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.AuditLog;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Jwt;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.representations.idm.AuthenticationExecutionInfoRepresentation;
import org.keycloak.representations.idm.AuthenticationFlowRepresentation;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.GroupRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Audit finding 3: absolute session lifetimes that sliding activity never extends. Keycloak's clock is shifted with
 * the test-only clock provider, so day-long caps take seconds; every scenario refreshes often enough that Keycloak's
 * own idle timeouts are never what ends the session.
 */
@BastionKeycloak
@DisplayName("Session limits: absolute lifetimes from the session's start")
class SessionLimitIT {

    static final Duration SWEEP = Duration.ofSeconds(20);
    static TestRealm.Client app;

    @BeforeAll
    static void setUp(TestRealm realm) {
        app = realm.createClient("limited-app");
        // Keycloak's own SSO maximum (10 h by default) must not be what ends the 12 h default cap in these tests.
        realm.setSsoLifetimes(50_000, 7_200);
    }

    @AfterEach
    void resetClock(TestRealm realm) {
        realm.setClockOffset(0);
    }

    static Map<String, String> unset(String... keys) {
        Map<String, String> m = new HashMap<>();
        for (String k : keys) m.put(k, null);
        return m;
    }

    /** Refreshes at each offset; returns the last reply. Fails the test if a refresh before the last one fails. */
    static Oidc.Reply refreshAt(TestRealm realm, TestRealm.Client client, Oidc.Reply tokens, long... offsets) {
        Oidc.Reply current = tokens;
        for (int i = 0; i < offsets.length; i++) {
            realm.setClockOffset(offsets[i]);
            Oidc.Reply next = realm.oidc().refresh(client.clientId(), client.secret(), current.text("refresh_token"));
            if (i < offsets.length - 1) {
                assertThat(next.status()).as("refresh at +%d s: %s", offsets[i], next.body()).isEqualTo(200);
            }
            current = next.status() == 200 ? next : current;
            if (i == offsets.length - 1) return next;
        }
        return current;
    }

    /**
     * The refresh was refused because the session hit its cap. The sweeper (every 3 s on the test server) may end the
     * session a moment before the refresh arrives; Keycloak then refuses it itself, and the audit line names the sweeper.
     */
    static JsonNode assertLimitReached(KeycloakServer server, Oidc.Reply reply, TestRealm.User user) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat(reply.text("error")).isEqualTo("invalid_grant");
        JsonNode audit = AuditLog.await(server, "session_limit_reached", "user_id", user.id(), SWEEP);
        if (!"sweeper".equals(audit.path("enforced_by").asText())) {
            assertThat(reply.text("error_description")).isEqualTo("Session reached its maximum lifetime");
            assertThat(audit.path("enforced_by").asText()).isEqualTo("refresh");
        }
        return audit;
    }

    /**
     * A new user's offline session through {@code app}, the clock then 7201 s on (past a 7200 s offline cap): the
     * sweeper ends it within {@code within}, and its refresh token is refused afterwards.
     */
    static TestRealm.User offlineSessionSweptPastCap(TestRealm realm, TestRealm.Client app, String username, Duration within) {
        TestRealm.User user = realm.createUser(username, false);
        Oidc.Reply tokens = realm.oidc().offlineGrant(app.clientId(), app.secret(), user.username(), user.password());
        assertThat(tokens.status()).isEqualTo(200);
        assertThat(realm.admin().users().get(user.id()).getOfflineSessions(app.uuid())).hasSize(1);
        realm.setClockOffset(7201);
        Poll.untilTrue("the sweeper ends the offline session", within,
                () -> realm.admin().users().get(user.id()).getOfflineSessions(app.uuid()).isEmpty());
        assertThat(realm.oidc().refresh(app.clientId(), app.secret(), tokens.text("refresh_token")).status()).isEqualTo(400);
        return user;
    }

    @Nested
    @DisplayName("Offline sessions")
    class Offline {

        @Test
        @DisplayName("an offline token refreshed every day stops at exactly the offline cap")
        void offlineCap(KeycloakServer server, TestRealm realm) {
            realm.setAttributes(Map.of("bastion.session.offlineMaxSeconds", String.valueOf(5 * 86400)));
            try {
                TestRealm.User user = realm.createUser("offline-daily", false);
                Oidc.Reply tokens = realm.oidc().offlineGrant(app.clientId(), app.secret(), user.username(), user.password());
                assertThat(tokens.status()).isEqualTo(200);
                long started = Jwt.claims(tokens.text("access_token")).path("iat").asLong();
                assertThat(Jwt.claims(tokens.text("refresh_token")).path("exp").asLong())
                        .as("the offline token never outlives the cap").isLessThanOrEqualTo(started + 5 * 86400);

                Oidc.Reply last = refreshAt(realm, app, tokens, 86400, 2 * 86400, 3 * 86400, 4 * 86400, 5 * 86400 - 60);
                assertThat(last.status()).as("one minute before the cap: %s", last.body()).isEqualTo(200);
                assertThat(Jwt.claims(last.text("access_token")).path("exp").asLong()).isLessThanOrEqualTo(started + 5 * 86400 + 1);

                realm.setClockOffset(5 * 86400 + 1);
                JsonNode audit = assertLimitReached(server,
                        realm.oidc().refresh(app.clientId(), app.secret(), last.text("refresh_token")), user);
                assertThat(realm.admin().users().get(user.id()).getOfflineSessions(app.uuid())).isEmpty();
                assertThat(audit.path("cap_source").asText()).isEqualTo("offline");
                assertThat(audit.path("cap_seconds").asLong()).isEqualTo(5 * 86400);
            } finally {
                realm.setAttributes(unset("bastion.session.offlineMaxSeconds"));
            }
        }

        @Test
        @DisplayName("a garbage offline cap that arrives past validation (20, -5, abc, 1e99) is read on the strict side: 60 s (issue 17)")
        void garbageKeepsDefault(KeycloakServer server, TestRealm realm) {
            for (String garbage : List.of("20", "-5", "abc", "1e99")) {
                realm.setClockOffset(0);
                realm.setRawAttributes(Map.of("bastion.session.offlineMaxSeconds", garbage));
                try {
                    TestRealm.User user = realm.createUser("offline-garbage-" + Math.abs(garbage.hashCode()), false);
                    Oidc.Reply tokens = realm.oidc().offlineGrant(app.clientId(), app.secret(), user.username(), user.password());
                    assertThat(tokens.status()).isEqualTo(200);
                    JsonNode audit = assertLimitReached(server, refreshAt(realm, app, tokens, 30, 61), user);
                    assertThat(audit.path("cap_seconds").asLong()).isEqualTo(60);
                } finally {
                    realm.setAttributes(unset("bastion.session.offlineMaxSeconds"));
                }
            }
        }
    }

    @Nested
    @DisplayName("SSO sessions")
    class Sso {

        @Test
        @DisplayName("the realm cap ends a session refreshed every 20 minutes")
        void realmCap(KeycloakServer server, TestRealm realm) {
            realm.setAttributes(Map.of("bastion.session.maxSeconds", "3600"));
            try {
                TestRealm.User user = realm.createUser("sso-realm-cap", false);
                Oidc.Reply tokens = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
                Oidc.Reply last = refreshAt(realm, app, tokens, 1200, 2400, 3540);
                assertThat(last.status()).isEqualTo(200);
                realm.setClockOffset(3601);
                assertThat(assertLimitReached(server, realm.oidc().refresh(app.clientId(), app.secret(), last.text("refresh_token")), user)
                        .path("cap_source").asText()).isEqualTo("realm");
            } finally {
                realm.setAttributes(unset("bastion.session.maxSeconds"));
            }
        }

        @Test
        @DisplayName("a realm cap that arrives past validation (an import, a database edit) below the floor or not a number "
                + "(20, -5, abc, 1e99) ends sessions at the floor, 60 s; it never falls back to the looser 12-hour default (issue 17)")
        void garbageRealmCap(KeycloakServer server, TestRealm realm) {
            for (String garbage : List.of("20", "-5", "abc", "1e99")) {
                realm.setClockOffset(0);
                realm.setRawAttributes(Map.of("bastion.session.maxSeconds", garbage));
                try {
                    TestRealm.User user = realm.createUser("sso-garbage-" + Math.abs(garbage.hashCode()), false);
                    Oidc.Reply tokens = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
                    assertThat(Jwt.claims(tokens.text("refresh_token")).path("exp").asLong()
                            - Jwt.claims(tokens.text("access_token")).path("iat").asLong())
                            .as("the refresh token already ends at the floor").isLessThanOrEqualTo(61);
                    JsonNode audit = assertLimitReached(server, refreshAt(realm, app, tokens, 30, 61), user);
                    assertThat(audit.path("cap_seconds").asLong()).isEqualTo(60);
                } finally {
                    realm.setAttributes(unset("bastion.session.maxSeconds"));
                }
            }
        }

        @Test
        @DisplayName("a remember-me session lives under the remember-me cap, not the realm cap")
        void rememberMe(KeycloakServer server, TestRealm realm) {
            RealmRepresentation rep = realm.admin().toRepresentation();
            rep.setRememberMe(true);
            realm.admin().update(rep);
            realm.setAttributes(Map.of("bastion.session.maxSeconds", "3600", "bastion.session.rememberMeMaxSeconds", "5400"));
            try {
                TestRealm.User user = realm.createUser("remember-me-user", false);
                Oidc.Browser b = realm.oidc().browser();
                b.open(app.clientId(), app.redirectUri());
                b.submit("username", user.username(), "password", user.password(), "rememberMe", "on");
                String code = b.code(app.redirectUri()).orElseThrow(() -> new AssertionError(b.page().text()));
                Oidc.Reply tokens = realm.oidc().exchangeCode(app.clientId(), app.secret(), code, app.redirectUri());
                assertThat(tokens.status()).isEqualTo(200);
                Oidc.Reply last = refreshAt(realm, app, tokens, 1800, 3000, 3700, 4800, 5340);
                assertThat(last.status()).as("past the realm cap, within the remember-me cap: %s", last.body()).isEqualTo(200);
                realm.setClockOffset(5401);
                assertThat(assertLimitReached(server, realm.oidc().refresh(app.clientId(), app.secret(), last.text("refresh_token")), user)
                        .path("cap_source").asText()).isEqualTo("remember_me");
            } finally {
                realm.setAttributes(unset("bastion.session.maxSeconds", "bastion.session.rememberMeMaxSeconds"));
                rep.setRememberMe(false);
                realm.admin().update(rep);
            }
        }

        @Test
        @DisplayName("lowering the cap ends an older session at its next refresh")
        void loweringCap(KeycloakServer server, TestRealm realm) {
            TestRealm.User user = realm.createUser("lowered-cap", false);
            Oidc.Reply tokens = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
            Oidc.Reply last = refreshAt(realm, app, tokens, 1000);
            assertThat(last.status()).isEqualTo(200);
            realm.setAttributes(Map.of("bastion.session.maxSeconds", "900"));
            try {
                assertThat(assertLimitReached(server, realm.oidc().refresh(app.clientId(), app.secret(), last.text("refresh_token")), user)
                        .path("cap_seconds").asLong()).isEqualTo(900);
            } finally {
                realm.setAttributes(unset("bastion.session.maxSeconds"));
            }
        }
    }

    @Nested
    @DisplayName("Per client and per role")
    class ClientAndRole {

        @Test
        @DisplayName("a client cap ends the session for that client; a role held through a group caps lower; the smallest wins")
        void smallestWins(KeycloakServer server, TestRealm realm) {
            TestRealm.Client capped = realm.createClient("capped-app");
            TestRealm.User clientOnly = realm.createUser("client-capped", false);
            Oidc.Reply t1 = realm.oidc().passwordGrant(capped.clientId(), capped.secret(), clientOnly.username(), clientOnly.password());
            Oidc.Reply ok = refreshAt(realm, capped, t1, 1200);
            assertThat(ok.status()).isEqualTo(200);

            // The cap arrives after the tokens were issued: the refresh check, not the token's own expiry, stops it.
            realm.setClientAttributes(capped.uuid(), Map.of("bastion.session.maxSeconds", "1800"));
            Oidc.Reply ok2 = refreshAt(realm, capped, ok, 1740);
            assertThat(ok2.status()).isEqualTo(200);
            long started = Jwt.claims(t1.text("access_token")).path("iat").asLong();
            assertThat(Jwt.claims(ok2.text("refresh_token")).path("exp").asLong()).as("refresh token clamped to the client cap")
                    .isLessThanOrEqualTo(started + 1800);
            realm.setClockOffset(1801);
            Oidc.Reply refused = realm.oidc().refresh(capped.clientId(), capped.secret(), ok.text("refresh_token"));
            JsonNode clientAudit = assertLimitReached(server, refused, clientOnly);
            // The sweeper judges whole sessions, without a client: only the refresh path applies client caps.
            assertThat(clientAudit.path("cap_source").asText()).isEqualTo("client:capped-app");
            realm.setClockOffset(0);

            RoleRepresentation role = new RoleRepresentation();
            role.setName("contractor");
            role.setAttributes(Map.of("bastion.session.maxSeconds", List.of("1500")));
            realm.admin().roles().create(role);
            GroupRepresentation group = new GroupRepresentation();
            group.setName("vendors");
            String groupId;
            try (Response r = realm.admin().groups().add(group)) {
                groupId = CreatedResponseUtil.getCreatedId(r);
            }
            realm.admin().groups().group(groupId).roles().realmLevel()
                    .add(List.of(realm.admin().roles().get("contractor").toRepresentation()));
            TestRealm.User vendor = realm.createUser("vendor-user", false);
            realm.admin().users().get(vendor.id()).joinGroup(groupId);

            Oidc.Reply t2 = realm.oidc().passwordGrant(capped.clientId(), capped.secret(), vendor.username(), vendor.password());
            Oidc.Reply ok3 = refreshAt(realm, capped, t2, 1200, 1440);
            assertThat(ok3.status()).isEqualTo(200);
            realm.setClockOffset(1501);
            assertThat(assertLimitReached(server,
                            realm.oidc().refresh(capped.clientId(), capped.secret(), ok3.text("refresh_token")), vendor)
                    .path("cap_source").asText()).isEqualTo("role:contractor");
        }
    }

    @Nested
    @DisplayName("Role caps follow the user's roles and the caps at the next refresh (issue 18)")
    class RoleChanges {

        static RoleRepresentation role(TestRealm realm, String name, String cap) {
            RoleRepresentation role = new RoleRepresentation();
            role.setName(name);
            if (cap != null) role.setAttributes(Map.of("bastion.session.maxSeconds", List.of(cap)));
            realm.admin().roles().create(role);
            return realm.admin().roles().get(name).toRepresentation();
        }

        @Test
        @DisplayName("a capped role granted mid-session ends the session at its cap; removed mid-session, it no longer does")
        void grantAndRemove(KeycloakServer server, TestRealm realm) {
            RoleRepresentation shortRole = role(realm, "short-shift", "1200");
            TestRealm.User granted = realm.createUser("granted-mid-session", false);
            Oidc.Reply t1 = realm.oidc().passwordGrant(app.clientId(), app.secret(), granted.username(), granted.password());
            Oidc.Reply ok = refreshAt(realm, app, t1, 600);
            assertThat(ok.status()).isEqualTo(200);
            realm.admin().users().get(granted.id()).roles().realmLevel().add(List.of(shortRole));
            // The refresh path itself sees the new role: the next token already ends at its cap.
            long started = Jwt.claims(t1.text("access_token")).path("iat").asLong();
            ok = refreshAt(realm, app, ok, 700);
            assertThat(ok.status()).as(ok.body()).isEqualTo(200);
            assertThat(Jwt.claims(ok.text("refresh_token")).path("exp").asLong()).isLessThanOrEqualTo(started + 1200);
            realm.setClockOffset(1201);
            assertThat(assertLimitReached(server, realm.oidc().refresh(app.clientId(), app.secret(), ok.text("refresh_token")), granted)
                    .path("cap_source").asText()).isEqualTo("role:short-shift");
            realm.setClockOffset(0);

            TestRealm.User removed = realm.createUser("removed-mid-session", false);
            realm.admin().users().get(removed.id()).roles().realmLevel().add(List.of(shortRole));
            Oidc.Reply t2 = realm.oidc().passwordGrant(app.clientId(), app.secret(), removed.username(), removed.password());
            Oidc.Reply ok2 = refreshAt(realm, app, t2, 600);
            realm.admin().users().get(removed.id()).roles().realmLevel().remove(List.of(shortRole));
            // The token of +600 was issued under the role's cap (it expires at +1200); the next one is not.
            Oidc.Reply after = refreshAt(realm, app, ok2, 900, 1201, 1800);
            assertThat(after.status()).as("the role is gone, and its cap with it: %s", after.body()).isEqualTo(200);
        }

        @Test
        @DisplayName("a cap added to a role the user already holds applies at the next refresh")
        void capAddedLater(KeycloakServer server, TestRealm realm) {
            role(realm, "night-shift", null);
            TestRealm.User user = realm.createUser("holds-night-shift", false);
            realm.admin().users().get(user.id()).roles().realmLevel()
                    .add(List.of(realm.admin().roles().get("night-shift").toRepresentation()));
            Oidc.Reply tokens = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
            Oidc.Reply ok = refreshAt(realm, app, tokens, 600);
            assertThat(ok.status()).isEqualTo(200);
            RoleRepresentation rep = realm.admin().roles().get("night-shift").toRepresentation();
            rep.setAttributes(Map.of("bastion.session.maxSeconds", List.of("900")));
            realm.admin().roles().get("night-shift").update(rep);
            realm.setClockOffset(901);
            assertThat(assertLimitReached(server, realm.oidc().refresh(app.clientId(), app.secret(), ok.text("refresh_token")), user)
                    .path("cap_source").asText()).isEqualTo("role:night-shift");
        }

        /**
         * A user in session, refreshed once at +600 s (so the server has read the realm's role caps), then {@code change}
         * at the same clock: the refresh at +610 s must already end at {@code cap}. Well inside the 60 s after which the
         * server reads the caps again anyway, so only the write's own invalidation of the cached caps can make it pass.
         */
        void capAppliesAtOnce(TestRealm realm, String username, int cap, java.util.function.Consumer<TestRealm.User> change) {
            TestRealm.User user = realm.createUser(username, false);
            Oidc.Reply tokens = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
            long started = Jwt.claims(tokens.text("access_token")).path("iat").asLong();
            Oidc.Reply ok = refreshAt(realm, app, tokens, 600);
            assertThat(ok.status()).as(ok.body()).isEqualTo(200);
            assertThat(Jwt.claims(ok.text("refresh_token")).path("exp").asLong()).as("no role cap yet").isGreaterThan(started + cap);
            change.accept(user);
            Oidc.Reply next = refreshAt(realm, app, ok, 610);
            assertThat(next.status()).as(next.body()).isEqualTo(200);
            assertThat(Jwt.claims(next.text("refresh_token")).path("exp").asLong()).as("the next refresh ends at the role cap")
                    .isLessThanOrEqualTo(started + cap);
        }

        @Test
        @DisplayName("a cap put through roles-by-id on a role the user holds applies at the very next refresh")
        void capByIdAppliesAtOnce(TestRealm realm) {
            RoleRepresentation held = role(realm, "swing-shift", null);
            capAppliesAtOnce(realm, "holds-swing-shift", 1800, user -> {
                realm.admin().users().get(user.id()).roles().realmLevel().add(List.of(held));
                RoleRepresentation rep = realm.admin().rolesById().getRole(held.getId());
                rep.setAttributes(Map.of("bastion.session.maxSeconds", List.of("1800")));
                realm.admin().rolesById().updateRole(held.getId(), rep);
            });
        }

        @Test
        @DisplayName("a capped client role created after the server read the caps, then granted, applies at the very next refresh")
        void newCappedClientRoleAppliesAtOnce(TestRealm realm) {
            TestRealm.Client owner = realm.createClient("shift-roles-owner");
            capAppliesAtOnce(realm, "holds-client-shift", 1700, user -> {
                RoleRepresentation rep = new RoleRepresentation();
                rep.setName("client-shift");
                rep.setAttributes(Map.of("bastion.session.maxSeconds", List.of("1700")));
                realm.admin().clients().get(owner.uuid()).roles().create(rep);
                RoleRepresentation created = realm.admin().clients().get(owner.uuid()).roles().get("client-shift").toRepresentation();
                realm.admin().users().get(user.id()).roles().clientLevel(owner.uuid()).add(List.of(created));
            });
        }

        @Test
        @DisplayName("a capped role brought in by a partial import, then granted, applies at the very next refresh")
        void partialImportedCappedRoleAppliesAtOnce(TestRealm realm) {
            capAppliesAtOnce(realm, "holds-imported-shift", 1600, user -> {
                RoleRepresentation rep = new RoleRepresentation();
                rep.setName("imported-shift");
                rep.setAttributes(Map.of("bastion.session.maxSeconds", List.of("1600")));
                org.keycloak.representations.idm.RolesRepresentation roles = new org.keycloak.representations.idm.RolesRepresentation();
                roles.setRealm(List.of(rep));
                org.keycloak.representations.idm.PartialImportRepresentation partial =
                        new org.keycloak.representations.idm.PartialImportRepresentation();
                partial.setRoles(roles);
                partial.setIfResourceExists("FAIL");
                try (Response r = realm.admin().partialImport(partial)) {
                    assertThat(r.getStatus()).isEqualTo(200);
                }
                realm.admin().users().get(user.id()).roles().realmLevel()
                        .add(List.of(realm.admin().roles().get("imported-shift").toRepresentation()));
            });
        }

        @Test
        @DisplayName("a client without full scope: a capped role outside its scope, held through a composite, still caps the session")
        void clientWithoutFullScope(KeycloakServer server, TestRealm realm) {
            // Keycloak's roles of such a request hold only the client's scope; the cap must come from all the user holds.
            TestRealm.Client narrow = realm.createClient("narrow-scope-app");
            ClientRepresentation rep = realm.admin().clients().get(narrow.uuid()).toRepresentation();
            rep.setFullScopeAllowed(false);
            realm.admin().clients().get(narrow.uuid()).update(rep);
            RoleRepresentation capped = role(realm, "on-call", "1500");
            role(realm, "ops-bundle", null);
            realm.admin().roles().get("ops-bundle").addComposites(List.of(capped));
            TestRealm.User user = realm.createUser("ops-bundle-holder", false);
            realm.admin().users().get(user.id()).roles().realmLevel()
                    .add(List.of(realm.admin().roles().get("ops-bundle").toRepresentation()));

            Oidc.Reply tokens = realm.oidc().passwordGrant(narrow.clientId(), narrow.secret(), user.username(), user.password());
            assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
            JsonNode access = Jwt.claims(tokens.text("access_token"));
            assertThat(access.path("realm_access").path("roles").toString()).as("the role is outside the client's scope")
                    .doesNotContain("on-call").doesNotContain("ops-bundle");
            long started = access.path("iat").asLong();
            assertThat(Jwt.claims(tokens.text("refresh_token")).path("exp").asLong()).as("the login's refresh token ends at the role cap")
                    .isLessThanOrEqualTo(started + 1500);
            Oidc.Reply ok = refreshAt(realm, narrow, tokens, 600);
            assertThat(ok.status()).as(ok.body()).isEqualTo(200);
            assertThat(Jwt.claims(ok.text("refresh_token")).path("exp").asLong()).as("a refreshed token ends at the role cap too")
                    .isLessThanOrEqualTo(started + 1500);
            realm.setClockOffset(1501);
            assertThat(assertLimitReached(server, realm.oidc().refresh(narrow.clientId(), narrow.secret(), ok.text("refresh_token")), user)
                    .path("cap_source").asText()).isEqualTo("role:on-call");
        }
    }

    @Nested
    @DisplayName("Sweeper")
    class Sweeper {

        @Test
        @DisplayName("with no traffic, a session past its cap is ended within one interval")
        void endsIdleExpiredSession(KeycloakServer server, TestRealm realm) {
            realm.setAttributes(Map.of("bastion.session.maxSeconds", "3600"));
            try {
                TestRealm.User user = realm.createUser("swept-user", false);
                Oidc.Reply tokens = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
                assertThat(realm.admin().users().get(user.id()).getUserSessions()).hasSize(1);
                realm.setClockOffset(3601);
                Poll.untilTrue("the sweeper ends the session", SWEEP,
                        () -> realm.admin().users().get(user.id()).getUserSessions().isEmpty());
                JsonNode audit = AuditLog.await(server, "session_limit_reached", "user_id", user.id(), SWEEP);
                assertThat(audit.path("enforced_by").asText()).isEqualTo("sweeper");
                assertThat(realm.oidc().introspect(app.clientId(), app.secret(), tokens.text("refresh_token")).json()
                        .path("active").asBoolean()).isFalse();
            } finally {
                realm.setAttributes(unset("bastion.session.maxSeconds"));
            }
        }

        @Test
        @DisplayName("a realm cap lowered after the session began reaches it: the sweeper ends it, no refresh needed (issue 18)")
        void loweredCapReachesExistingSession(KeycloakServer server, TestRealm realm) {
            TestRealm.User user = realm.createUser("swept-after-lowering", false);
            Oidc.Reply tokens = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
            assertThat(tokens.status()).isEqualTo(200);
            realm.setClockOffset(3601);
            // Under the default 12 h cap the session is not due; sweeps pass it by (see the control below).
            awaitSweeps(server, 2);
            assertThat(realm.admin().users().get(user.id()).getUserSessions()).as("not due under 12 h").hasSize(1);
            realm.setAttributes(Map.of("bastion.session.maxSeconds", "3600"));
            try {
                Poll.untilTrue("the sweeper ends the session under the lowered cap", SWEEP,
                        () -> realm.admin().users().get(user.id()).getUserSessions().isEmpty());
                JsonNode audit = AuditLog.await(server, "session_limit_reached", "user_id", user.id(), SWEEP);
                assertThat(audit.path("enforced_by").asText()).isEqualTo("sweeper");
                assertThat(audit.path("cap_seconds").asLong()).isEqualTo(3600);
            } finally {
                realm.setAttributes(unset("bastion.session.maxSeconds"));
            }
        }

        @Test
        @DisplayName("a cap put on a role the user already holds reaches the idle session through the sweeper (issue 18)")
        void roleCapReachesIdleSession(KeycloakServer server, TestRealm realm) {
            RoleRepresentation role = new RoleRepresentation();
            role.setName("swept-shift");
            realm.admin().roles().create(role);
            TestRealm.User user = realm.createUser("swept-by-role", false);
            realm.admin().users().get(user.id()).roles().realmLevel()
                    .add(List.of(realm.admin().roles().get("swept-shift").toRepresentation()));
            Oidc.Reply tokens = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
            assertThat(tokens.status()).isEqualTo(200);
            RoleRepresentation capped = realm.admin().roles().get("swept-shift").toRepresentation();
            capped.setAttributes(Map.of("bastion.session.maxSeconds", List.of("1500")));
            realm.admin().roles().get("swept-shift").update(capped);
            realm.setClockOffset(1501);
            Poll.untilTrue("the sweeper ends the session at the role's cap", SWEEP,
                    () -> realm.admin().users().get(user.id()).getUserSessions().isEmpty());
            JsonNode audit = AuditLog.await(server, "session_limit_reached", "user_id", user.id(), SWEEP);
            assertThat(audit.path("enforced_by").asText()).isEqualTo("sweeper");
            assertThat(audit.path("cap_source").asText()).isEqualTo("role:swept-shift");
        }

        @Test
        @DisplayName("a cap written past the admin API (another extension, Keycloak's Java API) reaches token requests within a "
                + "sweep: the sweeper drops the cached role caps that differ from the database (issue 18)")
        void capWrittenPastTheAdminApi(KeycloakServer server, TestRealm realm) {
            RoleRepresentation held = RoleChanges.role(realm, "side-door-shift", null);
            TestRealm.User user = realm.createUser("holds-side-door-shift", false);
            realm.admin().users().get(user.id()).roles().realmLevel().add(List.of(held));
            Oidc.Reply tokens = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
            long started = Jwt.claims(tokens.text("access_token")).path("iat").asLong();
            Oidc.Reply ok = refreshAt(realm, app, tokens, 600);
            assertThat(ok.status()).as(ok.body()).isEqualTo(200);
            assertThat(Jwt.claims(ok.text("refresh_token")).path("exp").asLong()).as("no cap yet").isGreaterThan(started + 1500);

            realm.setRawRoleAttributes(held.getId(), Map.of("bastion.session.maxSeconds", "1500"));
            Poll.untilTrue("a refresh ends at the cap written past the admin API", SWEEP, () -> {
                Oidc.Reply r = realm.oidc().refresh(app.clientId(), app.secret(), ok.text("refresh_token"));
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                return Jwt.claims(r.text("refresh_token")).path("exp").asLong() <= started + 1500;
            });
        }

        @Test
        @DisplayName("an idle offline session past the offline cap is ended by the sweeper, the online one it came from too")
        void offlineSessionSwept(KeycloakServer server, TestRealm realm) {
            realm.setAttributes(Map.of("bastion.session.offlineMaxSeconds", "7200"));
            try {
                TestRealm.User user = offlineSessionSweptPastCap(realm, app, "swept-offline", SWEEP);
                assertThat(AuditLog.await(server, "session_limit_reached", "user_id", user.id(), SWEEP).path("cap_source").asText())
                        .isIn("offline", "realm");
            } finally {
                realm.setAttributes(unset("bastion.session.offlineMaxSeconds"));
            }
        }

        /** Waits until {@code count} more sweeps have run (the sweeper's debug line, which the IT server logs). */
        private static void awaitSweeps(KeycloakServer server, int count) {
            long before = server.log().lines().filter(l -> l.contains("Bastion session-limit sweep: read")).count();
            Poll.untilTrue(count + " sweeps", SWEEP,
                    () -> server.log().lines().filter(l -> l.contains("Bastion session-limit sweep: read")).count() >= before + count);
        }
    }

    @Nested
    @DisplayName("Report mode (bastion.session.enforce=report, issue 17)")
    class ReportMode {

        @Test
        @DisplayName("a session past its cap lives on and is reported once (audit line, metric, posture list); "
                + "switching to enforce ends it at the next sweep")
        void reportsThenEnforces(KeycloakServer server, TestRealm realm) {
            realm.setAttributes(Map.of("bastion.session.maxSeconds", "3600", "bastion.session.enforce", "report"));
            try {
                TestRealm.User user = realm.createUser("reported-user", false);
                Oidc.Reply tokens = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
                realm.setClockOffset(3601);
                JsonNode report = AuditLog.await(server, "session_limit_would_end", "user_id", user.id(), SWEEP);
                assertThat(report.path("mode").asText()).isEqualTo("report");
                assertThat(report.path("cap_source").asText()).isEqualTo("realm");
                assertThat(report.path("cap_seconds").asLong()).isEqualTo(3600);

                Oidc.Reply refreshed = realm.oidc().refresh(app.clientId(), app.secret(), tokens.text("refresh_token"));
                assertThat(refreshed.status()).as("report mode never refuses: %s", refreshed.body()).isEqualTo(200);
                assertThat(refreshed.json().path("expires_in").asLong()).as("nor clamps the tokens").isGreaterThan(60);
                assertThat(realm.admin().users().get(user.id()).getUserSessions()).hasSize(1);

                // A second session reported later proves sweeps ran after the first report, which stayed single.
                TestRealm.User later = realm.createUser("reported-later", false);
                realm.oidc().passwordGrant(app.clientId(), app.secret(), later.username(), later.password());
                realm.setClockOffset(3601 + 3601);
                AuditLog.await(server, "session_limit_would_end", "user_id", later.id(), SWEEP);
                assertThat(AuditLog.lines(server, "session_limit_would_end").stream()
                        .filter(j -> j.path("user_id").asText().equals(user.id()))).as("one report per session").hasSize(1);
                assertThat(AuditLog.lines(server, "session_limit_reached").stream()
                        .filter(j -> j.path("user_id").asText().equals(user.id()))).isEmpty();
                assertThat(MetricsIT.metricsText(server))
                        .containsPattern("bastion_session_limit_would_end_total\\{[^}]*source=\"realm\"[^}]*} [1-9]");

                JsonNode posture = realm.adminCall("GET", "bastion/posture", null).json();
                JsonNode check = null;
                for (JsonNode c : posture) if (c.path("id").asText().equals("session-caps-mode")) check = c;
                assertThat(check).as("posture: %s", posture).isNotNull();
                assertThat(check.path("status").asText()).isEqualTo("warn");
                assertThat(check.path("detail").asText()).contains("reported-user").contains("reported-later").contains("realm cap");

                realm.setAttributes(Map.of("bastion.session.enforce", "enforce"));
                Poll.untilTrue("the next sweep ends the reported session", SWEEP,
                        () -> realm.admin().users().get(user.id()).getUserSessions().isEmpty());
                assertThat(AuditLog.await(server, "session_limit_reached", "user_id", user.id(), SWEEP).path("enforced_by").asText())
                        .isEqualTo("sweeper");
            } finally {
                realm.setAttributes(unset("bastion.session.maxSeconds", "bastion.session.enforce"));
            }
        }

        @Test
        @DisplayName("a value other than enforce or report that arrives past validation enforces, and GET policy says so")
        void garbageModeEnforces(TestRealm realm) {
            realm.setRawAttributes(Map.of("bastion.session.enforce", "Report-ish"));
            try {
                JsonNode policy = realm.adminCall("GET", "bastion/policy", null).json().path("policy").path("bastion.session.enforce");
                assertThat(policy.path("value").asText()).isEqualTo("enforce");
                assertThat(policy.path("problem").asText()).contains("enforce applies");
            } finally {
                realm.setRawAttributes(unset("bastion.session.enforce"));
            }
        }
    }

    @Nested
    @DisplayName("SSO cookie re-entry (browser flow with bastion-session-limit first)")
    class Cookie {

        @Test
        @DisplayName("a cookie within the cap signs in silently; past the cap it leads to the login form")
        void cookiePastDeadline(TestRealm realm) {
            bindBrowserFlow(realm);
            realm.setAttributes(Map.of("bastion.session.maxSeconds", "3600"));
            try {
                TestRealm.User user = realm.createUser("cookie-user", false);
                Oidc.Browser b = realm.oidc().browser();
                assertThat(b.authorize(app.clientId(), app.redirectUri(), user.username(), user.password(), null)).isPresent();

                realm.setClockOffset(1200);
                b.open(app.clientId(), app.redirectUri());
                assertThat(b.code(app.redirectUri())).as("SSO re-entry within the cap").isPresent();

                realm.setClockOffset(3601);
                b.open(app.clientId(), app.redirectUri());
                assertThat(b.code(app.redirectUri())).as("SSO re-entry past the cap").isEmpty();
                assertThat(b.page().selectFirst("input[name=password]")).as("the login form: %s", b.page().text()).isNotNull();
            } finally {
                realm.setAttributes(unset("bastion.session.maxSeconds"));
            }
        }

        private void bindBrowserFlow(TestRealm realm) {
            var flows = realm.admin().flows();
            AuthenticationFlowRepresentation top = new AuthenticationFlowRepresentation();
            top.setAlias("bastion-browser");
            top.setProviderId("basic-flow");
            top.setTopLevel(true);
            top.setBuiltIn(false);
            flows.createFlow(top).close();
            flows.addExecution("bastion-browser", Map.of("provider", "bastion-session-limit"));
            flows.addExecutionFlow("bastion-browser", Map.of("alias", "bastion-sso-or-login", "type", "basic-flow", "description", ""));
            flows.addExecution("bastion-sso-or-login", Map.of("provider", "auth-cookie"));
            flows.addExecutionFlow("bastion-sso-or-login", Map.of("alias", "bastion-forms", "type", "basic-flow", "description", ""));
            flows.addExecution("bastion-forms", Map.of("provider", "auth-username-password-form"));
            setRequirement(realm, "bastion-browser", "bastion-session-limit", "REQUIRED");
            setRequirement(realm, "bastion-browser", "bastion-sso-or-login", "REQUIRED");
            setRequirement(realm, "bastion-sso-or-login", "auth-cookie", "ALTERNATIVE");
            setRequirement(realm, "bastion-sso-or-login", "bastion-forms", "ALTERNATIVE");
            setRequirement(realm, "bastion-forms", "auth-username-password-form", "REQUIRED");
            RealmRepresentation rep = realm.admin().toRepresentation();
            rep.setBrowserFlow("bastion-browser");
            realm.admin().update(rep);
        }

        private void setRequirement(TestRealm realm, String flow, String providerOrAlias, String requirement) {
            for (AuthenticationExecutionInfoRepresentation e : realm.admin().flows().getExecutions(flow)) {
                if (e.getLevel() == 0 && (providerOrAlias.equals(e.getProviderId()) || providerOrAlias.equals(e.getDisplayName()))) {
                    e.setRequirement(requirement);
                    realm.admin().flows().updateExecutions(flow, e);
                    return;
                }
            }
            throw new AssertionError("no execution " + providerOrAlias + " in " + flow);
        }
    }
}
