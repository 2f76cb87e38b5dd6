package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Jwt;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.MasterAdmins;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;
import org.kcbastion.it.harness.Totp;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * After Bastion's flows ran (step-up, impersonation, revocation, policy change, denials), every place Bastion writes to
 * in PostgreSQL and its audit log is read back: no raw session id, refresh or access token appears; the admin's session
 * is stored only as an HMAC digest; Bastion's own table names users, and loses the rows of a deleted realm. Runs on
 * PostgreSQL only ({@code .ci/run} runs it; tag {@code postgres}).
 */
@Tag("postgres")
@BastionKeycloak
@DisplayName("Secrets at rest (PostgreSQL): only digests")
class SecretsAtRestIT {

    static final Duration WAIT = Duration.ofSeconds(30);

    @Nested
    @DisplayName("After a full run of Bastion's flows")
    class Dump {

        @Test
        @DisplayName("Bastion's notes, attributes, events and audit lines hold no raw session id or token")
        void nothingRawAtRest(KeycloakServer server, TestRealm realm) throws Exception {
            List<String> secrets = new ArrayList<>();
            try (MasterAdmins admins = MasterAdmins.create(server, realm)) {
                TestRealm.User admin = admins.admin("impersonation", "view-users", "manage-users", "manage-realm", "view-realm");
                Oidc.Reply stepUp = admins.stepUp(admin, Totp.now(admin.otpSecret()));
                assertThat(stepUp.status()).as(stepUp.body()).isEqualTo(200);
                String token = stepUp.text("access_token");
                String adminSid = Jwt.claims(token).path("sid").asText();
                secrets.add(adminSid);
                secrets.add(token);
                secrets.add(stepUp.text("refresh_token"));

                TestRealm.Client app = realm.createClient("at-rest-app");
                TestRealm.User user = realm.createUser("at-rest-user", false);
                Oidc.Reply userTokens = realm.oidc().offlineGrant(app.clientId(), app.secret(), user.username(), user.password());
                secrets.add(Jwt.claims(userTokens.text("access_token")).path("sid").asText());
                secrets.add(userTokens.text("refresh_token"));
                secrets.add(userTokens.text("access_token"));

                TestRealm.User target = realm.createUser("at-rest-target", false);
                HttpResponse<String> imp = realm.impersonate(token, target.id(), "AT-REST-1");
                assertThat(imp.statusCode()).as(imp.body()).isEqualTo(200);
                JsonNode impersonation = StreamSupport
                        .stream(realm.adminCall("GET", "bastion/impersonations", null).json().spliterator(), false)
                        .filter(j -> j.path("user_id").asText().equals(target.id())).findFirst().orElseThrow();
                String impersonationId = impersonation.path("id").asText();
                secrets.add(impersonationId);

                assertThat(realm.callAs(token, "PUT", "bastion/policy", "{\"bastion.securityContact\": \"soc@bastion.test\"}")
                        .status()).isEqualTo(200);
                assertThat(realm.callAs(admins.plainToken(admin), "PUT", "bastion/policy", "{\"bastion.stepUp.maxAgeSeconds\": 60}")
                        .status()).isEqualTo(401);
                realm.admin().users().get(user.id()).resetPassword(TestRealm.password("Another-Horse-43", false));
                realm.mail().awaitMessageTo(user.email(), WAIT);

                try (Connection db = server.openDatabase().orElseThrow(() -> new AssertionError(
                        "no database connection: this IT needs -Dit.db=postgres (.ci/run runs it so)"))) {
                    // Persistent sessions reach the database in batches: wait for the impersonation session's notes.
                    Map<String, String> notes = Poll.until("the impersonation session persisted with Bastion's notes", WAIT,
                            () -> bastionNotes(db, impersonationId).filter(n -> n.containsKey("bastion.impersonation.admin-session")));
                    assertThat(notes.get("bastion.impersonation.admin-session")).matches("[0-9a-f]{64}").isNotEqualTo(adminSid);
                    assertThat(notes.get("bastion.impersonation.reason")).isEqualTo("AT-REST-1");

                    Map<String, String> dump = new LinkedHashMap<>();
                    dump.putAll(rows(db, "select name || '=' || value from realm_attribute where name like 'bastion.%'",
                            "realm_attribute"));
                    dump.putAll(rows(db, "select name || '=' || coalesce(value, '') from component_config", "component_config"));
                    dump.putAll(rows(db, "select coalesce(details_json, '') || ' ' || coalesce(error, '') from event_entity",
                            "event_entity"));
                    dump.putAll(rows(db, "select coalesce(representation, '') from admin_event_entity", "admin_event_entity"));
                    dump.putAll(allBastionNotes(db));
                    server.log().lines().filter(l -> l.contains("[org.kcbastion.audit]"))
                            .forEach(l -> dump.put("audit#" + dump.size(), l));
                    assertThat(dump).as("rows read").hasSizeGreaterThan(10);
                    for (Map.Entry<String, String> row : dump.entrySet()) {
                        for (String secret : secrets) {
                            assertThat(row.getValue()).as("%s holds a raw secret", row.getKey()).doesNotContain(secret);
                        }
                    }
                    System.out.println("Secrets at rest: " + dump.size() + " rows and audit lines checked against " + secrets.size()
                            + " secrets");
                }
            }
        }
    }

    @Nested
    @DisplayName("Bastion's table of impersonated users")
    class ImpersonatedUsersTable {

        @Test
        @DisplayName("holds a user id, never a session id; a deleted realm's rows are forgotten by a sweep once a minute old")
        void deletedRealmForgotten(KeycloakServer server, TestRealm realm) throws Exception {
            TestRealm doomed = TestRealm.createOn(server, "it-secrets-doomed-realm");
            String realmId = doomed.admin().toRepresentation().getId();
            try (Connection db = server.openDatabase().orElseThrow(() -> new AssertionError(
                    "no database connection: this IT needs -Dit.db=postgres (.ci/run runs it so)"))) {
                // The bootstrap service account impersonates (allowed for this realm): no master admin to clean up.
                doomed.setAttributes(Map.of("bastion.impersonation.allowServiceAccounts", "true"));
                TestRealm.User target = doomed.createUser("doomed-target", false);
                Oidc.Reply imp = doomed.adminCall("POST", "users/" + target.id() + "/impersonation", null, "X-Bastion-Reason", "DOOMED-1");
                assertThat(imp.status()).as(imp.body()).isEqualTo(200);
                assertThat(Poll.until("the impersonation recorded for the sweeper", WAIT,
                        () -> java.util.Optional.of(impersonatedUsers(db, realmId)).filter(users -> !users.isEmpty())))
                        .containsExactly(target.id());
                doomed.close();
                realm.setClockOffset(120);
                try {
                    Poll.untilTrue("a sweep forgets the deleted realm's rows", WAIT, () -> impersonatedUsers(db, realmId).isEmpty());
                } finally {
                    realm.setClockOffset(0);
                }
            }
        }
    }

    static List<String> impersonatedUsers(Connection db, String realmId) {
        try (var ps = db.prepareStatement("select user_id from bastion_impersonated_user where realm_id = ?")) {
            ps.setString(1, realmId);
            List<String> users = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) users.add(rs.getString(1));
            }
            return users;
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** Bastion's notes of one persisted user session (empty until the session reached the database). */
    static java.util.Optional<Map<String, String>> bastionNotes(Connection db, String sessionId) {
        try (var ps = db.prepareStatement("select data from offline_user_session where user_session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return java.util.Optional.empty();
                return java.util.Optional.of(notes(rs.getString(1)));
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, String> allBastionNotes(Connection db) throws SQLException {
        Map<String, String> all = new LinkedHashMap<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("select user_session_id, data from offline_user_session")) {
            while (rs.next()) {
                String id = rs.getString(1);
                notes(rs.getString(2)).forEach((k, v) -> all.put("offline_user_session " + k + "#" + all.size(), v));
            }
        }
        return all;
    }

    static Map<String, String> notes(String data) {
        Map<String, String> bastion = new LinkedHashMap<>();
        JsonNode json = Oidc.parse(data);
        if (json == null) return bastion;
        json.path("notes").fields().forEachRemaining(e -> {
            if (e.getKey().startsWith("bastion.")) bastion.put(e.getKey(), e.getValue().asText());
        });
        return bastion;
    }

    static Map<String, String> rows(Connection db, String sql, String label) throws SQLException {
        Map<String, String> rows = new LinkedHashMap<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) rows.put(label + "#" + rows.size(), rs.getString(1));
        }
        return rows;
    }
}
