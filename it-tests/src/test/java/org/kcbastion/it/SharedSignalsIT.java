package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.AuditLog;
import org.kcbastion.it.harness.BackchannelReceiver;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Jwt;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.Ports;
import org.kcbastion.it.harness.SetReceiver;
import org.kcbastion.it.harness.SsfReceivers;
import org.kcbastion.it.harness.TestRealm;
import org.keycloak.admin.client.resource.UserResource;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 20: Bastion's revocations reach OpenID Shared Signals receivers as CAEP events through Keycloak's own SSF
 * transmitter ({@code --features=ssf}; the test server drains the push outbox every 500 ms). Two receivers, one push
 * (a JDK HttpServer) and one poll, each with a stream for {@code session-revoked} and {@code credential-change}.
 * Keycloak sends a user's events only to streams the user is subscribed to (default subjects NONE): each test
 * subscribes its users the way a receiver does ({@code subjects/add}).
 */
@BastionKeycloak
@DisplayName("Revocations as Shared Signals (CAEP) through Keycloak's transmitter")
class SharedSignalsIT {

    /** The bound: SETs at the receiver within 2 s of the admin call's return. */
    static final Duration WITHIN = Duration.ofSeconds(2);
    static final Duration AUDIT = Duration.ofSeconds(20);
    static final List<String> EVENTS = List.of(SetReceiver.SESSION_REVOKED, SetReceiver.CREDENTIAL_CHANGE);

    static SetReceiver pushEndpoint;
    static SsfReceivers.Receiver push;
    static SsfReceivers.Receiver poll;
    static TestRealm.Client app;

    @BeforeAll
    static void receivers(TestRealm realm) {
        realm.setAttributes(Map.of("ssf.transmitterEnabled", "true"));
        RealmRepresentation rep = realm.admin().toRepresentation();
        // Keycloak's own idle timeout must not end the session the sweeper should end at +3601 s.
        rep.setSsoSessionMaxLifespan(50_000);
        rep.setSsoSessionIdleTimeout(7_200);
        realm.admin().update(rep);
        app = realm.createClient("ssf-app");
        pushEndpoint = new SetReceiver();
        push = SsfReceivers.create(realm, "rcv-push", Map.of("method", SsfReceivers.PUSH, "endpoint_url", pushEndpoint.url(),
                "authorization_header", "Bearer push-secret"), EVENTS);
        poll = SsfReceivers.create(realm, "rcv-poll", Map.of("method", SsfReceivers.POLL), EVENTS);
    }

    @AfterAll
    static void close() {
        if (pushEndpoint != null) pushEndpoint.close();
    }

    /** Both receivers (or the given ones) subscribe the user, as an app does for the users it federates. */
    static void subscribe(TestRealm realm, TestRealm.User user, SsfReceivers.Receiver... receivers) {
        for (SsfReceivers.Receiver r : receivers.length == 0 ? new SsfReceivers.Receiver[]{push, poll} : receivers) {
            SsfReceivers.subscribe(realm, user.id(), r);
        }
    }

    /** The SETs the push receiver got for {@code userId} of {@code type}. */
    static List<SetReceiver.Set> pushed(String userId, String type) {
        return pushEndpoint.received().stream().filter(s -> type.equals(s.eventType()) && userId.equals(s.userId())).toList();
    }

    /** A user with {@code online} password-grant sessions and one offline session; returns their session ids. */
    static List<String> signIn(TestRealm realm, TestRealm.User user, int online) {
        subscribe(realm, user);
        List<String> sids = new ArrayList<>();
        for (int i = 0; i < online; i++) {
            Oidc.Reply p = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
            assertThat(p.status()).as(p.body()).isEqualTo(200);
            sids.add(Jwt.claims(p.text("access_token")).path("sid").asText());
        }
        Oidc.Reply o = realm.oidc().offlineGrant(app.clientId(), app.secret(), user.username(), user.password());
        assertThat(o.status()).as(o.body()).isEqualTo(200);
        sids.add(Jwt.claims(o.text("access_token")).path("sid").asText());
        assertThat(Set.copyOf(sids)).hasSize(online + 1);
        return sids;
    }

    /** Waits (at most {@link #WITHIN}) until the push receiver holds a session-revoked for every one of {@code sids}. */
    static List<SetReceiver.Set> awaitPushedRevocations(String userId, List<String> sids) {
        return Poll.until("session-revoked SETs for " + sids, WITHIN, () -> {
            List<SetReceiver.Set> sets = pushed(userId, SetReceiver.SESSION_REVOKED);
            Set<String> seen = sets.stream().map(SetReceiver.Set::sessionId).collect(Collectors.toSet());
            return seen.containsAll(sids) ? Optional.of(sets) : Optional.empty();
        });
    }

    /** Signed by the realm's key, from the issuer the receiver pinned when it created its stream, to its audience. */
    static void assertFromTransmitter(TestRealm realm, SetReceiver.Set set, SsfReceivers.Receiver receiver) {
        String jwks = realm.server().baseUrl() + "/realms/" + realm.name() + "/protocol/openid-connect/certs";
        assertThat(set.header().path("typ").asText()).isEqualTo("secevent+jwt");
        assertThat(SetReceiver.verify(set, jwks)).as("signature of %s against the realm's JWKS", set.eventType()).isTrue();
        assertThat(set.claims().path("iss").asText()).isEqualTo(receiver.issuer());
        assertThat(set.claims().path("aud").toString()).contains(receiver.audience());
    }

    static CredentialRepresentation newPassword() {
        return AdminCredentialRevocationIT.newPassword(false);
    }

    /** Waits (at most {@link #WITHIN}) until the push receiver holds at least one SET of {@code type} for the user. */
    static List<SetReceiver.Set> awaitPushed(String what, String userId, String type) {
        return Poll.until(what, WITHIN, () -> {
            List<SetReceiver.Set> sets = pushed(userId, type);
            return sets.isEmpty() ? Optional.empty() : Optional.of(sets);
        });
    }

    @Nested
    @DisplayName("An admin password reset of a user with 3 sessions")
    class PasswordReset {

        @Test
        @DisplayName(
                "push: a signed session-revoked per session (initiating entity admin) and Keycloak's one credential-change, within 2 s")
        void push(KeycloakServer server, TestRealm realm) {
            TestRealm.User user = realm.createUser("ssf-reset-push", false);
            List<String> sids = signIn(realm, user, 2);
            String inRealm = "realm=\"" + realm.name() + "\"";
            double countedBefore = MetricsIT.sum(server, "bastion_ssf_sets_total", inRealm, "event=\"session_revoked\"");
            realm.admin().users().get(user.id()).resetPassword(newPassword());
            long returned = System.nanoTime();

            List<SetReceiver.Set> revoked = awaitPushedRevocations(user.id(), sids);
            System.out.printf("SharedSignalsIT: %d session-revoked SETs pushed %.0f ms after the admin call returned%n",
                    revoked.size(), (revoked.stream().mapToLong(SetReceiver.Set::receivedAtNanos).max().orElseThrow() - returned) / 1e6);
            assertThat(revoked).hasSize(3);
            for (SetReceiver.Set set : revoked) {
                assertFromTransmitter(realm, set, push);
                assertThat(set.authorization()).isEqualTo("Bearer push-secret");
                assertThat(set.claims().path("sub_id").path("format").asText()).isEqualTo("complex");
                assertThat(set.claims().path("sub_id").path("user").path("format").asText()).isEqualTo("iss_sub");
                assertThat(set.event().path("initiating_entity").asText()).isEqualTo("admin");
                assertThat(set.event().path("reason_admin").path("en").asText()).isEqualTo("Password reset by an administrator");
            }

            // Keycloak sends the reset's credential-change itself (in the admin's transaction): exactly one, no duplicate.
            List<SetReceiver.Set> changed = awaitPushed("Keycloak's credential-change", user.id(), SetReceiver.CREDENTIAL_CHANGE);
            assertThat(changed).hasSize(1);
            assertFromTransmitter(realm, changed.get(0), push);
            assertThat(changed.get(0).event().path("change_type").asText()).isEqualTo("update");
            assertThat(changed.get(0).event().path("credential_type").asText()).isEqualTo("password");
            assertThat(changed.get(0).event().path("initiating_entity").asText()).isEqualTo("admin");

            JsonNode audit = AuditLog.await(server, "sessions_revoked", "user_id", user.id(), AUDIT);
            assertThat(audit.path("sets_queued").asInt()).as("3 sessions for each of the 2 streams").isEqualTo(6);
            assertThat(MetricsIT.sum(server, "bastion_ssf_sets_total", inRealm, "event=\"session_revoked\"") - countedBefore)
                    .isEqualTo(6.0);
        }

        @Test
        @DisplayName("poll: the same SETs wait in the poll stream, signed, within 2 s")
        void poll(KeycloakServer server, TestRealm realm) {
            SsfReceivers.poll(realm, poll);
            TestRealm.User user = realm.createUser("ssf-reset-poll", false);
            List<String> sids = signIn(realm, user, 2);
            realm.admin().users().get(user.id()).resetPassword(newPassword());

            List<SetReceiver.Set> received = new ArrayList<>();
            Poll.untilTrue("session-revoked SETs in the poll stream", WITHIN, () -> {
                received.addAll(SsfReceivers.poll(realm, poll));
                return received.stream().filter(s -> SetReceiver.SESSION_REVOKED.equals(s.eventType()) && user.id().equals(s.userId()))
                        .map(SetReceiver.Set::sessionId).collect(Collectors.toSet()).containsAll(sids);
            });
            List<SetReceiver.Set> mine = received.stream().filter(s -> user.id().equals(s.userId())).toList();
            assertThat(mine.stream().filter(s -> SetReceiver.SESSION_REVOKED.equals(s.eventType()))).hasSize(3);
            assertThat(mine.stream().filter(s -> SetReceiver.CREDENTIAL_CHANGE.equals(s.eventType()))).hasSize(1);
            for (SetReceiver.Set set : mine) {
                assertFromTransmitter(realm, set, poll);
                assertThat(set.event().path("initiating_entity").asText()).isEqualTo("admin");
            }
        }
    }

    @Nested
    @DisplayName("Credential changes Keycloak sends nothing for")
    class BastionCredentialChanges {

        @Test
        @DisplayName("PUT users/{id} with credentials: Bastion's credential-change (update, password) and a session-revoked per session")
        void credentialsSet(TestRealm realm) {
            TestRealm.User user = realm.createUser("ssf-credentials-set", false);
            List<String> sids = signIn(realm, user, 1);
            UserResource resource = realm.admin().users().get(user.id());
            UserRepresentation rep = resource.toRepresentation();
            rep.setCredentials(List.of(newPassword()));
            resource.update(rep);

            awaitPushedRevocations(user.id(), sids);
            List<SetReceiver.Set> changed = awaitPushed("Bastion's credential-change", user.id(), SetReceiver.CREDENTIAL_CHANGE);
            assertThat(changed).hasSize(1);
            assertFromTransmitter(realm, changed.get(0), push);
            assertThat(changed.get(0).event().path("change_type").asText()).isEqualTo("update");
            assertThat(changed.get(0).event().path("credential_type").asText()).isEqualTo("password");
            assertThat(changed.get(0).event().path("initiating_entity").asText()).isEqualTo("admin");
        }

        @Test
        @DisplayName("PUT users/{id}/disable-credential-types [\"otp\"]: credential-change revoke, and a session-revoked per session")
        void credentialDisabled(TestRealm realm) {
            TestRealm.User user = realm.createUser("ssf-otp-disabled", true);
            subscribe(realm, user);
            Oidc.Reply p = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password(),
                    "totp", org.kcbastion.it.harness.Totp.now(user.otpSecret()));
            assertThat(p.status()).as(p.body()).isEqualTo(200);
            String sid = Jwt.claims(p.text("access_token")).path("sid").asText();
            realm.admin().users().get(user.id()).disableCredentialType(List.of("otp"));

            awaitPushedRevocations(user.id(), List.of(sid));
            List<SetReceiver.Set> changed = awaitPushed("Bastion's credential-change", user.id(), SetReceiver.CREDENTIAL_CHANGE);
            assertThat(changed).hasSize(1);
            assertThat(changed.get(0).event().path("change_type").asText()).isEqualTo("revoke");
            assertThat(changed.get(0).event().toString()).contains("otp");
        }
    }

    @Nested
    @DisplayName("Other revocations")
    class OtherRevocations {

        @Test
        @DisplayName(
                "POST bastion/users/{id}/revoke-sessions: a session-revoked per session, initiating entity admin, no credential-change")
        void revokeSessions(KeycloakServer server, TestRealm realm) {
            TestRealm.User user = realm.createUser("ssf-revoke-call", false);
            List<String> sids = signIn(realm, user, 1);
            Oidc.Reply reply = realm.adminCall("POST", "bastion/users/" + user.id() + "/revoke-sessions", null);
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);

            List<SetReceiver.Set> revoked = awaitPushedRevocations(user.id(), sids);
            assertThat(revoked).hasSize(2);
            assertThat(revoked).allSatisfy(s -> {
                assertThat(s.event().path("initiating_entity").asText()).isEqualTo("admin");
                assertThat(s.event().path("reason_admin").path("en").asText()).isEqualTo("Sessions revoked by an administrator");
            });
            AuditLog.await(server, "sessions_revoked", "user_id", user.id(), AUDIT);
            assertThat(pushed(user.id(), SetReceiver.CREDENTIAL_CHANGE)).isEmpty();
        }

        @Test
        @DisplayName("a session the sweeper ends at its cap: one session-revoked, initiating entity policy (Keycloak's listener "
                + "cannot map the LOGOUT event off a request, so Bastion sends it)")
        void cappedBySweeper(KeycloakServer server, TestRealm realm) {
            realm.setAttributes(Map.of("bastion.session.maxSeconds", "3600"));
            try {
                TestRealm.User user = realm.createUser("ssf-capped", false);
                subscribe(realm, user);
                Oidc.Reply p = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
                assertThat(p.status()).as(p.body()).isEqualTo(200);
                String sid = Jwt.claims(p.text("access_token")).path("sid").asText();
                realm.setClockOffset(3601);
                AuditLog.await(server, "session_limit_reached", "user_id", user.id(), AUDIT);
                // The sweeper runs every 3 s on the test server; the SET follows its commit.
                List<SetReceiver.Set> revoked = Poll.until("session-revoked for the capped session", Duration.ofSeconds(10),
                        () -> Optional.of(pushed(user.id(), SetReceiver.SESSION_REVOKED)).filter(sets -> !sets.isEmpty()));
                assertThat(revoked).extracting(SetReceiver.Set::sessionId).containsExactly(sid);
                assertFromTransmitter(realm, revoked.get(0), push);
                assertThat(revoked.get(0).event().path("initiating_entity").asText()).isEqualTo("policy");
                assertThat(revoked.get(0).event().path("reason_admin").path("en").asText())
                        .isEqualTo("Session reached its absolute lifetime");
            } finally {
                realm.setClockOffset(0);
                realm.setAttributes(java.util.Collections.singletonMap("bastion.session.maxSeconds", null));
            }
        }
    }

    @Nested
    @DisplayName("Switches and faults")
    class SwitchesAndFaults {

        @Test
        @DisplayName("bastion.ssf.enabled=false: nothing queued (audit sets_queued 0, posture warns); switched on again, SETs flow")
        void policyOff(KeycloakServer server, TestRealm realm) {
            TestRealm.User quiet = realm.createUser("ssf-policy-off", false);
            signIn(realm, quiet, 1);
            TestRealm.User loud = realm.createUser("ssf-policy-on", false);
            List<String> loudSids = signIn(realm, loud, 1);
            realm.setAttributes(Map.of("bastion.ssf.enabled", "false"));
            try {
                assertThat(PostureIT.report(realm).get("shared-signals").path("status").asText()).isEqualTo("warn");
                assertThat(realm.adminCall("POST", "bastion/users/" + quiet.id() + "/revoke-sessions", null).status()).isEqualTo(200);
                assertThat(AuditLog.await(server, "sessions_revoked", "user_id", quiet.id(), AUDIT).path("sets_queued").asInt()).isZero();
            } finally {
                realm.setAttributes(java.util.Collections.singletonMap("bastion.ssf.enabled", null));
            }
            JsonNode posture = PostureIT.report(realm).get("shared-signals");
            assertThat(posture.path("status").asText()).isEqualTo("pass");
            assertThat(posture.path("detail").asText()).startsWith("2 Shared Signals stream(s)");
            assertThat(realm.adminCall("POST", "bastion/users/" + loud.id() + "/revoke-sessions", null).status()).isEqualTo(200);
            awaitPushedRevocations(loud.id(), loudSids);
            // The push outbox is drained in order: had anything been queued for the first user, it would be here by now.
            assertThat(pushed(quiet.id(), SetReceiver.SESSION_REVOKED)).isEmpty();
        }

        @Test
        @DisplayName("a user no receiver subscribed to: nothing queued (audit sets_queued 0), nothing delivered")
        void unsubscribed(KeycloakServer server, TestRealm realm) {
            TestRealm.User stranger = realm.createUser("ssf-unsubscribed", false);
            Oidc.Reply p = realm.oidc().passwordGrant(app.clientId(), app.secret(), stranger.username(), stranger.password());
            assertThat(p.status()).as(p.body()).isEqualTo(200);
            TestRealm.User known = realm.createUser("ssf-subscribed", false);
            List<String> knownSids = signIn(realm, known, 1);
            realm.admin().users().get(stranger.id()).resetPassword(newPassword());
            assertThat(AuditLog.await(server, "sessions_revoked", "user_id", stranger.id(), AUDIT).path("sets_queued").asInt()).isZero();
            realm.admin().users().get(known.id()).resetPassword(newPassword());
            awaitPushedRevocations(known.id(), knownSids);
            assertThat(pushEndpoint.received().stream().filter(s -> stranger.id().equals(s.userId()))).isEmpty();
        }

        @Test
        @DisplayName(
                "SMTP down, back-channel receiver hanging and a third receiver unreachable: the admin call stays fast, the SETs arrive")
        void faults(KeycloakServer server, TestRealm realm) {
            int closedPort = Ports.freeLoopbackPort();
            SsfReceivers.Receiver dead = SsfReceivers.create(realm, "rcv-dead", Map.of("method", SsfReceivers.PUSH,
                    "endpoint_url", "http://127.0.0.1:" + closedPort + "/push"), EVENTS);
            RealmRepresentation rep = realm.admin().toRepresentation();
            Map<String, String> working = new HashMap<>(rep.getSmtpServer());
            Map<String, String> broken = new HashMap<>(working);
            broken.put("port", "1");
            rep.setSmtpServer(broken);
            realm.admin().update(rep);
            realm.backchannel().setMode(BackchannelReceiver.Mode.HANG);
            try {
                TestRealm.User user = realm.createUser("ssf-faults", false);
                subscribe(realm, user, dead);
                List<String> sids = signIn(realm, user, 2);
                long started = System.nanoTime();
                realm.admin().users().get(user.id()).resetPassword(newPassword());
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertThat(millis).as("admin reset with every receiver failing, ms").isLessThan(3000);
                awaitPushedRevocations(user.id(), sids);
                JsonNode audit = AuditLog.await(server, "sessions_revoked", "user_id", user.id(), Duration.ofSeconds(60));
                assertThat(audit.path("sets_queued").asInt()).as("3 sessions for each of the 3 streams").isEqualTo(9);
                AuditLog.await(server, "alert_email_failed", "user_id", user.id(), AUDIT);
            } finally {
                realm.backchannel().setMode(BackchannelReceiver.Mode.OK);
                rep.setSmtpServer(working);
                realm.admin().update(rep);
                SsfReceivers.deleteStream(realm, dead);
            }
        }
    }
}
