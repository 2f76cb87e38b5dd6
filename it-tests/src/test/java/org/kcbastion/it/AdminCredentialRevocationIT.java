package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.AuditLog;
import org.kcbastion.it.harness.BackchannelReceiver;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Jwt;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.MasterAdmins;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;
import org.kcbastion.it.harness.Totp;
import org.keycloak.admin.client.resource.UserResource;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Audit finding 2: an admin credential change must end every session of the user at once, tell the apps over the
 * back channel and alert the user. Each trigger signs a user in three ways (password grant, offline token, browser
 * code flow), each through its own client with a back-channel URL, then checks every effect.
 */
@BastionKeycloak
@DisplayName("Admin credential changes revoke every session of the user")
class AdminCredentialRevocationIT {

    static final Duration DELIVERY = Duration.ofSeconds(20);
    static TestRealm.Client password;
    static TestRealm.Client offline;
    static TestRealm.Client browser;

    @BeforeAll
    static void clients(TestRealm realm) {
        password = realm.createClient("app-password");
        offline = realm.createClient("app-offline");
        browser = realm.createClient("app-browser");
    }

    /** A user signed in through the three clients; sids are the user-session ids Keycloak put in the tokens. */
    record SignedIn(TestRealm.User user, Oidc.Reply passwordTokens, Oidc.Reply offlineTokens, Oidc.Reply browserTokens) {
        Set<String> sessionIds() {
            return Set.of(sid(passwordTokens), sid(offlineTokens), sid(browserTokens));
        }

        static String sid(Oidc.Reply tokens) {
            return Jwt.claims(tokens.text("access_token")).path("sid").asText();
        }
    }

    static SignedIn signIn(TestRealm realm, String username, boolean withOtp) {
        TestRealm.User user = realm.createUser(username, withOtp);
        // A TOTP code works once; three sign-ins in one 30 s step take the previous, current and next code.
        String[] otp = withOtp
                ? new String[]{"totp", Totp.previous(user.otpSecret())}
                : new String[0];
        Oidc.Reply p = realm.oidc().passwordGrant(password.clientId(), password.secret(), user.username(), user.password(), otp);
        assertThat(p.status()).as(p.body()).isEqualTo(200);
        String[] otp2 = withOtp ? new String[]{"totp", Totp.now(user.otpSecret()), "scope", "openid offline_access"}
                : new String[]{"scope", "openid offline_access"};
        Oidc.Reply o = realm.oidc().passwordGrant(offline.clientId(), offline.secret(), user.username(), user.password(), otp2);
        assertThat(o.status()).as(o.body()).isEqualTo(200);
        assertThat(Jwt.claims(o.text("refresh_token")).path("typ").asText()).isEqualTo("Offline");
        Oidc.Browser b = realm.oidc().browser().otpCodes(Totp::next);
        String code = b.authorize(browser.clientId(), browser.redirectUri(), user.username(), user.password(), user.otpSecret())
                .orElseThrow(() -> new AssertionError("browser login failed: " + b.page().text()));
        Oidc.Reply c = realm.oidc().exchangeCode(browser.clientId(), browser.secret(), code, browser.redirectUri());
        assertThat(c.status()).as(c.body()).isEqualTo(200);
        SignedIn signedIn = new SignedIn(user, p, o, c);
        // Keycloak keeps the offline grant's session offline only: two online sessions and one offline.
        assertThat(onlineSessions(realm, user)).hasSize(2);
        assertThat(offlineSessions(realm, user)).hasSize(1);
        return signedIn;
    }

    static List<String> onlineSessions(TestRealm realm, TestRealm.User user) {
        return realm.admin().users().get(user.id()).getUserSessions().stream().map(s -> s.getId()).toList();
    }

    static List<String> offlineSessions(TestRealm realm, TestRealm.User user) {
        return realm.admin().users().get(user.id()).getOfflineSessions(offline.uuid()).stream().map(s -> s.getId()).toList();
    }

    /** Everything the mission asks of a revocation, checked right after the admin's call returned. */
    static void assertFullyRevoked(KeycloakServer server, TestRealm realm, SignedIn s, String trigger) {
        assertFullyRevoked(server, realm, s, trigger, KeycloakServer.ADMIN_ACTOR);
    }

    static void assertFullyRevoked(KeycloakServer server, TestRealm realm, SignedIn s, String trigger, String admin) {
        assertThat(onlineSessions(realm, s.user())).as("online sessions").isEmpty();
        assertThat(offlineSessions(realm, s.user())).as("offline sessions").isEmpty();

        Oidc oidc = realm.oidc();
        Oidc.Reply refresh = oidc.refresh(password.clientId(), password.secret(), s.passwordTokens().text("refresh_token"));
        assertThat(refresh.status()).as(refresh.body()).isEqualTo(400);
        assertThat(refresh.text("error")).isEqualTo("invalid_grant");
        Oidc.Reply offlineRefresh = oidc.refresh(offline.clientId(), offline.secret(), s.offlineTokens().text("refresh_token"));
        assertThat(offlineRefresh.status()).as(offlineRefresh.body()).isEqualTo(400);
        assertThat(offlineRefresh.text("error")).isEqualTo("invalid_grant");
        Oidc.Reply browserRefresh = oidc.refresh(browser.clientId(), browser.secret(), s.browserTokens().text("refresh_token"));
        assertThat(browserRefresh.text("error")).isEqualTo("invalid_grant");
        for (Oidc.Reply tokens : List.of(s.passwordTokens(), s.offlineTokens(), s.browserTokens())) {
            String access = tokens.text("access_token");
            TestRealm.Client client = tokens == s.passwordTokens() ? password : tokens == s.offlineTokens() ? offline : browser;
            assertThat(oidc.introspect(client.clientId(), client.secret(), access).json().path("active").asBoolean())
                    .as("introspection of the %s access token", client.clientId()).isFalse();
            assertThat(oidc.userinfo(access).status()).as("userinfo with the %s access token", client.clientId()).isEqualTo(401);
        }

        Set<String> expected = s.sessionIds();
        Set<String> delivered = Poll.until("back-channel logout tokens for " + expected, DELIVERY, () -> {
            Set<String> sids = realm.backchannel().received().stream()
                    .filter(t -> s.user().id().equals(t.sub()))
                    .map(t -> t.sid())
                    .collect(Collectors.toSet());
            return sids.containsAll(expected) ? java.util.Optional.of(sids) : java.util.Optional.empty();
        });
        assertThat(delivered).containsExactlyInAnyOrderElementsOf(expected);
        Map<String, Set<String>> audienceBySid = realm.backchannel().received().stream()
                .filter(t -> s.user().id().equals(t.sub()))
                .collect(Collectors.groupingBy(t -> t.sid(),
                        Collectors.mapping(t -> t.claims().path("aud").asText(), Collectors.toSet())));
        assertThat(audienceBySid.get(SignedIn.sid(s.passwordTokens()))).contains(password.clientId());
        assertThat(audienceBySid.get(SignedIn.sid(s.offlineTokens()))).contains(offline.clientId());
        assertThat(audienceBySid.get(SignedIn.sid(s.browserTokens()))).contains(browser.clientId());

        MimeMessage mail = realm.mail().awaitMessageTo(s.user().email(), DELIVERY);
        String text = MailText.of(mail);
        assertThat(text).contains(s.user().username()).contains(admin).contains("3 active session(s)");

        JsonNode audit = AuditLog.await(server, "sessions_revoked", "user_id", s.user().id(), DELIVERY);
        assertThat(audit.path("trigger").asText()).isEqualTo(trigger);
        assertThat(audit.path("admin").asText()).isEqualTo(admin);
        assertThat(audit.path("online").asInt()).isEqualTo(2);
        assertThat(audit.path("offline").asInt()).isEqualTo(1);
        assertThat(audit.path("backchannel_ok").asInt()).isEqualTo(3);
        assertThat(audit.path("backchannel_failed").asInt()).isZero();
        assertThat(audit.path("sets_queued").asInt()).as("this realm's Shared Signals transmitter is off").isZero();
        assertThat(audit.toString()).as("audit line holds digests, never raw session ids")
                .doesNotContain(expected.toArray(String[]::new));
        assertThat(audit.path("sessions")).hasSize(3);
    }

    static CredentialRepresentation newPassword(boolean temporary) {
        return TestRealm.newPassword(temporary);
    }

    @Nested
    @DisplayName("Every spelling Keycloak routes to a credential change revokes alike (issue 14, finding 2)")
    class Spellings {

        static String json(Object value) {
            try {
                return org.keycloak.util.JsonSerialization.writeValueAsString(value);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }

        @Test
        @DisplayName("PUT users/{id}/reset-password/ (trailing slash)")
        void resetPasswordSlash(KeycloakServer server, TestRealm realm) {
            SignedIn s = signIn(realm, "slash-reset-victim", false);
            Oidc.Reply reply = realm.adminCall("PUT", "users/" + s.user().id() + "/reset-password/", json(newPassword(false)));
            assertThat(reply.status()).as(reply.body()).isEqualTo(204);
            assertFullyRevoked(server, realm, s, "reset_password");
        }

        @Test
        @DisplayName("PUT users/{id}/ (trailing slash) whose body carries credentials")
        void updateUserSlash(KeycloakServer server, TestRealm realm) {
            SignedIn s = signIn(realm, "slash-update-victim", false);
            UserRepresentation rep = realm.admin().users().get(s.user().id()).toRepresentation();
            rep.setCredentials(List.of(newPassword(false)));
            Oidc.Reply reply = realm.adminCall("PUT", "users/" + s.user().id() + "/", json(rep));
            assertThat(reply.status()).as(reply.body()).isEqualTo(204);
            assertFullyRevoked(server, realm, s, "credentials_set");
        }

        @Test
        @DisplayName("DELETE users/{id}/credentials/{credentialId}/ (trailing slash)")
        void removeOtpSlash(KeycloakServer server, TestRealm realm) {
            SignedIn s = signIn(realm, "slash-otp-victim", true);
            UserResource user = realm.admin().users().get(s.user().id());
            String otpId = user.credentials().stream().filter(c -> "otp".equals(c.getType())).findFirst().orElseThrow().getId();
            Oidc.Reply reply = realm.adminCall("DELETE", "users/" + s.user().id() + "/credentials/" + otpId + "/", null);
            assertThat(reply.status()).as(reply.body()).isEqualTo(204);
            assertFullyRevoked(server, realm, s, "credential_removed");
        }

        @Test
        @DisplayName("PUT users/{id}/disable-credential-types/ (trailing slash; this one worked before issue 14 and is kept as a guard)")
        void disableOtpSlash(KeycloakServer server, TestRealm realm) {
            SignedIn s = signIn(realm, "slash-disable-victim", true);
            Oidc.Reply reply = realm.adminCall("PUT", "users/" + s.user().id() + "/disable-credential-types/", "[\"otp\"]");
            assertThat(reply.status()).as(reply.body()).isEqualTo(204);
            assertFullyRevoked(server, realm, s, "credential_disabled");
        }
    }

    @Nested
    @DisplayName("Triggers")
    class Triggers {

        @Test
        @DisplayName("PUT users/{id}/reset-password")
        void resetPassword(KeycloakServer server, TestRealm realm) {
            SignedIn s = signIn(realm, "reset-victim", false);
            realm.admin().users().get(s.user().id()).resetPassword(newPassword(false));
            assertFullyRevoked(server, realm, s, "reset_password");
        }

        @Test
        @DisplayName("PUT users/{id}/reset-password with a temporary password")
        void resetPasswordTemporary(KeycloakServer server, TestRealm realm) {
            SignedIn s = signIn(realm, "temp-reset-victim", false);
            realm.admin().users().get(s.user().id()).resetPassword(newPassword(true));
            assertFullyRevoked(server, realm, s, "reset_password");
        }

        @Test
        @DisplayName("PUT users/{id} whose body carries credentials")
        void updateUserWithCredentials(KeycloakServer server, TestRealm realm) {
            SignedIn s = signIn(realm, "update-victim", false);
            UserResource user = realm.admin().users().get(s.user().id());
            UserRepresentation rep = user.toRepresentation();
            rep.setCredentials(List.of(newPassword(false)));
            user.update(rep);
            assertFullyRevoked(server, realm, s, "credentials_set");
        }

        @Test
        @DisplayName("DELETE users/{id}/credentials/{credentialId} (an admin removes the user's OTP)")
        void removeOtp(KeycloakServer server, TestRealm realm) {
            SignedIn s = signIn(realm, "otp-removal-victim", true);
            UserResource user = realm.admin().users().get(s.user().id());
            String otpId = user.credentials().stream().filter(c -> "otp".equals(c.getType())).findFirst().orElseThrow().getId();
            user.removeCredential(otpId);
            assertFullyRevoked(server, realm, s, "credential_removed");
        }

        @Test
        @DisplayName("PUT users/{id}/disable-credential-types [\"otp\"] (no admin event in Keycloak)")
        void disableOtp(KeycloakServer server, TestRealm realm) {
            SignedIn s = signIn(realm, "otp-disable-victim", true);
            realm.admin().users().get(s.user().id()).disableCredentialType(List.of("otp"));
            assertFullyRevoked(server, realm, s, "credential_disabled");
        }

        @Test
        @DisplayName("POST bastion/users/{id}/revoke-sessions: containment needs no step-up (a password-only token revokes), "
                + "but the permission (view-users alone is 403)")
        void bastionRevokeSessions(KeycloakServer server, TestRealm realm) {
            SignedIn s = signIn(realm, "revoke-call-victim", false);
            try (MasterAdmins admins = MasterAdmins.create(server, realm)) {
                TestRealm.User admin = admins.admin("manage-users", "view-users");
                String path = "bastion/users/" + s.user().id() + "/revoke-sessions";
                Oidc.Reply viewer = realm.callAs(admins.stepUpToken(admins.admin("view-users")), "POST", path, null);
                assertThat(viewer.status()).as(viewer.body()).isEqualTo(403);
                assertThat(viewer.text("error")).isEqualTo("not_permitted");
                assertThat(onlineSessions(realm, s.user())).as("nothing revoked").hasSize(2);

                Oidc.Reply reply = realm.callAs(admins.plainToken(admin), "POST", path, null);
                assertThat(reply.status()).as(reply.body()).isEqualTo(200);
                assertThat(reply.json().path("online").asInt()).isEqualTo(2);
                assertThat(reply.json().path("offline").asInt()).isEqualTo(1);
                assertFullyRevoked(server, realm, s, "admin_request", admin.username());
            }
        }

        @Test
        @DisplayName("POST bastion/users/{unknown}/revoke-sessions answers 404 with a JSON error")
        void unknownUser(TestRealm realm) {
            Oidc.Reply reply = realm.adminCall("POST", "bastion/users/no-such-user/revoke-sessions", null);
            assertThat(reply.status()).isEqualTo(404);
            assertThat(reply.text("error")).isEqualTo("user_not_found");
            assertThat(reply.text("error_description")).isNotBlank();
        }
    }

    @Nested
    @DisplayName("More sessions than one transaction removes")
    class ManySessions {

        @Test
        @DisplayName("30 sessions: every token fails when the call returns; the last rows go right after commit")
        void thirtySessions(KeycloakServer server, TestRealm realm) {
            TestRealm.User user = realm.createUser("many-sessions-user", false);
            List<Oidc.Reply> grants = new java.util.ArrayList<>();
            for (int i = 0; i < 30; i++) {
                Oidc.Reply r = realm.oidc().passwordGrant(password.clientId(), password.secret(), user.username(), user.password());
                assertThat(r.status()).isEqualTo(200);
                grants.add(r);
            }
            assertThat(onlineSessions(realm, user)).hasSize(30);

            realm.admin().users().get(user.id()).resetPassword(newPassword(false));

            for (Oidc.Reply g : grants) {
                assertThat(realm.oidc().refresh(password.clientId(), password.secret(), g.text("refresh_token")).text("error"))
                        .isEqualTo("invalid_grant");
                assertThat(realm.oidc().userinfo(g.text("access_token")).status()).isEqualTo(401);
            }
            Poll.untilTrue("every session removed", DELIVERY, () -> onlineSessions(realm, user).isEmpty());
            JsonNode audit = AuditLog.await(server, "sessions_revoked", "user_id", user.id(), DELIVERY);
            assertThat(audit.path("online").asInt()).isEqualTo(30);
            assertThat(audit.path("removed_after_commit").asInt()).isEqualTo(5);
            assertThat(audit.path("backchannel_ok").asInt()).isEqualTo(30);
        }
    }

    @Nested
    @DisplayName("In-flight logins")
    class InFlight {

        @Test
        @DisplayName("a browser login past its password step when the admin resets the password cannot finish")
        void loginStartedBeforeReset(KeycloakServer server, TestRealm realm) {
            TestRealm.User user = realm.createUser("inflight-user", true);
            Oidc.Browser b = realm.oidc().browser();
            b.open(browser.clientId(), browser.redirectUri());
            b.submit("username", user.username(), "password", user.password());
            long passwordStep = System.currentTimeMillis() / 1000;
            assertThat(b.page().selectFirst("input[name=otp]")).as("OTP form after the password").isNotNull();

            // Keycloak's notBefore has one-second resolution: let the reset fall in a later second than the password step.
            Poll.untilTrue("the next second", Duration.ofSeconds(3), () -> System.currentTimeMillis() / 1000 > passwordStep);
            realm.admin().users().get(user.id()).resetPassword(newPassword(false));

            b.submit("otp", Totp.now(user.otpSecret()));
            String code = b.code(browser.redirectUri()).orElse(null);
            if (code != null) {
                Oidc.Reply tokens = realm.oidc().exchangeCode(browser.clientId(), browser.secret(), code, browser.redirectUri());
                assertThat(tokens.status()).as("code of a login that rests on the old password: %s", tokens.body())
                        .isEqualTo(400);
            }
            assertThat(onlineSessions(realm, user)).isEmpty();
            AuditLog.await(server, "stale_login_refused", "user_id", user.id(), DELIVERY);
        }

        @Test
        @DisplayName("a login that starts after the reset works normally")
        void loginAfterReset(TestRealm realm) {
            TestRealm.User user = realm.createUser("after-reset-user", false);
            CredentialRepresentation fresh = newPassword(false);
            realm.admin().users().get(user.id()).resetPassword(fresh);
            Oidc.Browser b = realm.oidc().browser();
            String code = b.authorize(browser.clientId(), browser.redirectUri(), user.username(), fresh.getValue(), null)
                    .orElseThrow(() -> new AssertionError(b.page().text()));
            Oidc.Reply tokens = realm.oidc().exchangeCode(browser.clientId(), browser.secret(), code, browser.redirectUri());
            assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
        }
    }

    @Nested
    @DisplayName("What must not revoke")
    class NoRevocation {

        @Test
        @DisplayName("a profile update without credentials revokes nothing")
        void profileUpdate(KeycloakServer server, TestRealm realm) {
            SignedIn s = signIn(realm, "profile-user", false);
            UserResource user = realm.admin().users().get(s.user().id());
            UserRepresentation rep = user.toRepresentation();
            rep.setFirstName("Renamed");
            user.update(rep);

            assertThat(onlineSessions(realm, s.user())).hasSize(2);
            assertThat(offlineSessions(realm, s.user())).hasSize(1);
            Oidc.Reply refresh = realm.oidc().refresh(password.clientId(), password.secret(), s.passwordTokens().text("refresh_token"));
            assertThat(refresh.status()).as(refresh.body()).isEqualTo(200);
            Oidc.Reply offlineRefresh = realm.oidc().refresh(offline.clientId(), offline.secret(), s.offlineTokens().text("refresh_token"));
            assertThat(offlineRefresh.status()).as(offlineRefresh.body()).isEqualTo(200);
            assertThat(realm.oidc().userinfo(s.browserTokens().text("access_token")).status()).isEqualTo(200);
            assertThat(realm.mail().countTo(s.user().email())).isZero();
            assertThat(AuditLog.find(server, "sessions_revoked", "user_id", s.user().id())).isEmpty();
        }

        @Test
        @DisplayName("with bastion.revokeOnAdminCredentialChange=false nothing is revoked; switched on again, it is")
        void policySwitch(KeycloakServer server, TestRealm realm) {
            SignedIn s = signIn(realm, "switch-user", false);
            realm.setAttributes(Map.of("bastion.revokeOnAdminCredentialChange", "false"));
            try {
                realm.admin().users().get(s.user().id()).resetPassword(newPassword(false));
                assertThat(onlineSessions(realm, s.user())).hasSize(2);
                assertThat(offlineSessions(realm, s.user())).hasSize(1);
                Oidc.Reply offlineRefresh = realm.oidc().refresh(offline.clientId(), offline.secret(),
                        s.offlineTokens().text("refresh_token"));
                assertThat(offlineRefresh.status()).as(offlineRefresh.body()).isEqualTo(200);
                AuditLog.await(server, "revocation_disabled", "user_id", s.user().id(), DELIVERY);
            } finally {
                realm.setAttributes(Map.of("bastion.revokeOnAdminCredentialChange", "true"));
            }
            realm.admin().users().get(s.user().id()).resetPassword(newPassword(false));
            assertThat(onlineSessions(realm, s.user())).isEmpty();
            assertThat(offlineSessions(realm, s.user())).isEmpty();
        }
    }

    @Nested
    @DisplayName("Failures never undo the revocation")
    class Faults {

        @Test
        @DisplayName("SMTP down: sessions still revoked, admin call 2xx, alert_email_failed audited")
        void smtpDown(KeycloakServer server, TestRealm realm) {
            SignedIn s = signIn(realm, "smtp-down-user", false);
            RealmRepresentation rep = realm.admin().toRepresentation();
            Map<String, String> working = new HashMap<>(rep.getSmtpServer());
            Map<String, String> broken = new HashMap<>(working);
            broken.put("port", "1"); // nothing listens on port 1
            rep.setSmtpServer(broken);
            realm.admin().update(rep);
            try {
                realm.admin().users().get(s.user().id()).resetPassword(newPassword(false));
                assertThat(onlineSessions(realm, s.user())).isEmpty();
                assertThat(offlineSessions(realm, s.user())).isEmpty();
                assertThat(realm.oidc().refresh(offline.clientId(), offline.secret(), s.offlineTokens().text("refresh_token")).status())
                        .isEqualTo(400);
                JsonNode failed = AuditLog.await(server, "alert_email_failed", "user_id", s.user().id(), DELIVERY);
                assertThat(failed.path("recipient").asText()).isEqualTo("user");
                AuditLog.await(server, "sessions_revoked", "user_id", s.user().id(), DELIVERY);
            } finally {
                rep.setSmtpServer(working);
                realm.admin().update(rep);
            }
        }

        @Test
        @DisplayName("back-channel receiver hangs: the admin call stays fast, the HTTP client's timeout ends the wait, "
                + "backchannel_failed audited")
        void receiverHangs(KeycloakServer server, TestRealm realm) {
            TestRealm.User user = realm.createUser("receiver-hang-user", false);
            Oidc.Reply tokens = realm.oidc().passwordGrant(password.clientId(), password.secret(), user.username(), user.password());
            assertThat(tokens.status()).isEqualTo(200);
            realm.backchannel().setMode(BackchannelReceiver.Mode.HANG);
            try {
                long started = System.nanoTime();
                realm.admin().users().get(user.id()).resetPassword(newPassword(false));
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertThat(millis).as("admin reset with a hanging receiver, ms").isLessThan(3000);
                assertThat(realm.admin().users().get(user.id()).getUserSessions()).isEmpty();
                JsonNode audit = AuditLog.await(server, "sessions_revoked", "user_id", user.id(), Duration.ofSeconds(60));
                assertThat(audit.path("backchannel_failed").asInt()).isEqualTo(1);
                assertThat(realm.backchannel().received().stream().anyMatch(t -> user.id().equals(t.sub())))
                        .as("the receiver got the token before it stopped answering").isTrue();
            } finally {
                realm.backchannel().setMode(BackchannelReceiver.Mode.OK);
            }
        }

        @Test
        @DisplayName("back-channel receiver down: sessions still revoked, backchannel_failed audited")
        void receiverDown(KeycloakServer server, TestRealm realm) {
            TestRealm.Client dead = realm.createClient("app-dead-receiver");
            var client = realm.admin().clients().get(dead.uuid());
            var rep = client.toRepresentation();
            rep.getAttributes().put("backchannel.logout.url", "http://127.0.0.1:1/backchannel-logout");
            client.update(rep);
            TestRealm.User user = realm.createUser("receiver-down-user", false);
            Oidc.Reply tokens = realm.oidc().passwordGrant(dead.clientId(), dead.secret(), user.username(), user.password());
            assertThat(tokens.status()).isEqualTo(200);

            realm.admin().users().get(user.id()).resetPassword(newPassword(false));
            assertThat(realm.admin().users().get(user.id()).getUserSessions()).isEmpty();
            assertThat(realm.oidc().refresh(dead.clientId(), dead.secret(), tokens.text("refresh_token")).text("error"))
                    .isEqualTo("invalid_grant");
            JsonNode audit = AuditLog.await(server, "sessions_revoked", "user_id", user.id(), DELIVERY);
            assertThat(audit.path("backchannel_failed").asInt()).isEqualTo(1);
            assertThat(audit.path("backchannel_ok").asInt()).isZero();
            JsonNode failure = AuditLog.await(server, "backchannel_failed", "client_id", dead.clientId(), DELIVERY);
            assertThat(failure.path("session").asText()).hasSize(64).isNotEqualTo(SignedIn.sid(tokens));
        }
    }

    /** The text of a (possibly multipart) email. */
    static final class MailText {
        static String of(MimeMessage message) {
            try {
                return message.getSubject() + "\n" + text(message.getContent());
            } catch (jakarta.mail.MessagingException | java.io.IOException e) {
                throw new AssertionError(e);
            }
        }

        private static String text(Object content) throws jakarta.mail.MessagingException, java.io.IOException {
            if (content instanceof String s) return s;
            if (content instanceof jakarta.mail.Multipart multipart) {
                StringBuilder all = new StringBuilder();
                for (int i = 0; i < multipart.getCount(); i++) {
                    var part = multipart.getBodyPart(i);
                    if (part.isMimeType("text/plain") || part.isMimeType("multipart/*")) all.append(text(part.getContent())).append('\n');
                }
                return all.toString();
            }
            return String.valueOf(content);
        }
    }
}
