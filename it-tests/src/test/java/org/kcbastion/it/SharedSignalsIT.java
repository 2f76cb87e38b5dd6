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
import org.kcbastion.it.harness.TestRealm;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.admin.client.resource.UserResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.ClientScopeRepresentation;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
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
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A receiver client and its stream; {@code issuer} is the {@code iss} the stream was created with. */
    record Receiver(String uuid, String clientId, String secret, String streamId, String issuer) {
        String audience() {
            return clientId + "/" + streamId;
        }
    }

    static SetReceiver pushEndpoint;
    static Receiver push;
    static Receiver poll;
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
        push = receiver(realm, "rcv-push", Map.of("method", "urn:ietf:rfc:8935", "endpoint_url", pushEndpoint.url(),
                "authorization_header", "Bearer push-secret"));
        poll = receiver(realm, "rcv-poll", Map.of("method", "urn:ietf:rfc:8936"));
    }

    @AfterAll
    static void close() {
        if (pushEndpoint != null) pushEndpoint.close();
    }

    /** A confidential receiver client with its service account, both SSF scopes and one stream. */
    static Receiver receiver(TestRealm realm, String clientId, Map<String, String> delivery) {
        ClientRepresentation c = new ClientRepresentation();
        c.setClientId(clientId);
        c.setProtocol("openid-connect");
        c.setPublicClient(false);
        c.setSecret("secret-" + UUID.randomUUID());
        c.setStandardFlowEnabled(false);
        c.setServiceAccountsEnabled(true);
        Map<String, String> attributes = new HashMap<>(Map.of("ssf.enabled", "true"));
        if (delivery.containsKey("endpoint_url")) attributes.put("ssf.validPushUrls", delivery.get("endpoint_url"));
        c.setAttributes(attributes);
        String uuid;
        try (Response r = realm.admin().clients().create(c)) {
            uuid = CreatedResponseUtil.getCreatedId(r);
        }
        for (String scope : List.of("ssf.read", "ssf.manage")) {
            realm.admin().clients().get(uuid).addOptionalClientScope(scopeId(realm, scope));
        }
        Map<String, Object> stream = Map.of("delivery", delivery, "description", "SharedSignalsIT " + clientId,
                "events_requested", List.of(SetReceiver.SESSION_REVOKED, SetReceiver.CREDENTIAL_CHANGE));
        Oidc.Reply created = call(realm, token(realm, clientId, c.getSecret()), "POST", "/ssf/transmitter/streams", json(stream));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("events_delivered").toString())
                .contains(SetReceiver.SESSION_REVOKED).contains(SetReceiver.CREDENTIAL_CHANGE);
        return new Receiver(uuid, clientId, c.getSecret(), created.text("stream_id"), created.text("iss"));
    }

    /**
     * The receiver subscribes the user to its stream, as an app does for the users it federates; the subject's issuer
     * is the realm's token issuer ({@code iss} of the user's tokens).
     */
    static void subscribe(TestRealm realm, TestRealm.User user, Receiver... receivers) {
        String tokenIssuer = realm.server().baseUrl() + "/realms/" + realm.name();
        for (Receiver r : receivers.length == 0 ? new Receiver[]{push, poll} : receivers) {
            Map<String, Object> body = Map.of("stream_id", r.streamId(), "verified", true,
                    "subject", Map.of("format", "iss_sub", "iss", tokenIssuer, "sub", user.id()));
            Oidc.Reply added = call(realm, token(realm, r.clientId(), r.secret()), "POST", "/ssf/transmitter/subjects/add", json(body));
            assertThat(added.status()).as(added.body()).isEqualTo(200);
        }
    }

    /** Keycloak creates the SSF scopes with a realm that starts with its transmitter on; this one was turned on later. */
    static String scopeId(TestRealm realm, String name) {
        Optional<String> existing = realm.admin().clientScopes().findAll().stream()
                .filter(s -> name.equals(s.getName())).map(ClientScopeRepresentation::getId).findFirst();
        if (existing.isPresent()) return existing.get();
        ClientScopeRepresentation scope = new ClientScopeRepresentation();
        scope.setName(name);
        scope.setProtocol("openid-connect");
        try (Response r = realm.admin().clientScopes().create(scope)) {
            return CreatedResponseUtil.getCreatedId(r);
        }
    }

    static String token(TestRealm realm, String clientId, String secret) {
        Oidc.Reply t = realm.oidc().clientCredentials(clientId, secret, "scope", "ssf.manage ssf.read");
        assertThat(t.status()).as(t.body()).isEqualTo(200);
        return t.text("access_token");
    }

    static Oidc.Reply call(TestRealm realm, String token, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(realm.server().baseUrl() + "/realms/" + realm.name() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Oidc.Reply(r.statusCode(), Oidc.parse(r.body()), r.body());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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

    /** The SETs the push receiver got for {@code userId} of {@code type}. */
    static List<SetReceiver.Set> pushed(String userId, String type) {
        return pushEndpoint.received().stream().filter(s -> type.equals(s.eventType()) && userId.equals(s.userId())).toList();
    }

    /** Everything queued for the poll receiver now (RFC 8936, returnImmediately), acknowledged so it is not sent again. */
    static List<SetReceiver.Set> polled(TestRealm realm) {
        String path = "/ssf/transmitter/receivers/" + poll.clientId() + "/streams/" + poll.streamId() + "/poll";
        String token = token(realm, poll.clientId(), poll.secret());
        Oidc.Reply r = call(realm, token, "POST", path, json(Map.of("maxEvents", 100, "returnImmediately", true)));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<SetReceiver.Set> sets = new ArrayList<>();
        List<String> ack = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = r.json().path("sets").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            sets.add(SetReceiver.Set.parse(e.getValue().asText(), null));
            ack.add(e.getKey());
        }
        if (!ack.isEmpty()) {
            Oidc.Reply acked = call(realm, token, "POST", path, json(Map.of("maxEvents", 0, "returnImmediately", true, "ack", ack)));
            assertThat(acked.status()).as(acked.body()).isEqualTo(200);
        }
        return sets;
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
    static void assertFromTransmitter(TestRealm realm, SetReceiver.Set set, Receiver receiver) {
        String jwks = realm.server().baseUrl() + "/realms/" + realm.name() + "/protocol/openid-connect/certs";
        assertThat(set.header().path("typ").asText()).isEqualTo("secevent+jwt");
        assertThat(SetReceiver.verify(set, jwks)).as("signature of %s against the realm's JWKS", set.eventType()).isTrue();
        assertThat(set.claims().path("iss").asText()).isEqualTo(receiver.issuer());
        assertThat(set.claims().path("aud").toString()).contains(receiver.audience());
    }

    static CredentialRepresentation newPassword() {
        CredentialRepresentation c = new CredentialRepresentation();
        c.setType(CredentialRepresentation.PASSWORD);
        c.setValue("Brand-New-Pass-" + System.nanoTime());
        c.setTemporary(false);
        return c;
    }

    @Nested
    @DisplayName("An admin password reset of a user with 3 sessions")
    class PasswordReset {

        @Test
        @DisplayName("push: a signed session-revoked per session (initiating entity admin) and Keycloak's one credential-change, within 2 s")
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
            List<SetReceiver.Set> changed = Poll.until("Keycloak's credential-change", WITHIN, () -> {
                List<SetReceiver.Set> sets = pushed(user.id(), SetReceiver.CREDENTIAL_CHANGE);
                return sets.isEmpty() ? Optional.empty() : Optional.of(sets);
            });
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
            polled(realm);
            TestRealm.User user = realm.createUser("ssf-reset-poll", false);
            List<String> sids = signIn(realm, user, 2);
            realm.admin().users().get(user.id()).resetPassword(newPassword());

            List<SetReceiver.Set> received = new ArrayList<>();
            Poll.untilTrue("session-revoked SETs in the poll stream", WITHIN, () -> {
                received.addAll(polled(realm));
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
            List<SetReceiver.Set> changed = Poll.until("Bastion's credential-change", WITHIN, () -> {
                List<SetReceiver.Set> sets = pushed(user.id(), SetReceiver.CREDENTIAL_CHANGE);
                return sets.isEmpty() ? Optional.empty() : Optional.of(sets);
            });
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
            List<SetReceiver.Set> changed = Poll.until("Bastion's credential-change", WITHIN, () -> {
                List<SetReceiver.Set> sets = pushed(user.id(), SetReceiver.CREDENTIAL_CHANGE);
                return sets.isEmpty() ? Optional.empty() : Optional.of(sets);
            });
            assertThat(changed).hasSize(1);
            assertThat(changed.get(0).event().path("change_type").asText()).isEqualTo("revoke");
            assertThat(changed.get(0).event().toString()).contains("otp");
        }
    }

    @Nested
    @DisplayName("Other revocations")
    class OtherRevocations {

        @Test
        @DisplayName("POST bastion/users/{id}/revoke-sessions: a session-revoked per session, initiating entity admin, no credential-change")
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
                List<SetReceiver.Set> revoked = Poll.until("session-revoked for the capped session", Duration.ofSeconds(10), () -> {
                    List<SetReceiver.Set> sets = pushed(user.id(), SetReceiver.SESSION_REVOKED);
                    return sets.isEmpty() ? Optional.empty() : Optional.of(sets);
                });
                assertThat(revoked).extracting(SetReceiver.Set::sessionId).containsExactly(sid);
                assertFromTransmitter(realm, revoked.get(0), push);
                assertThat(revoked.get(0).event().path("initiating_entity").asText()).isEqualTo("policy");
                assertThat(revoked.get(0).event().path("reason_admin").path("en").asText()).isEqualTo("Session reached its absolute lifetime");
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
        @DisplayName("SMTP down, back-channel receiver hanging and a third receiver unreachable: the admin call stays fast, the SETs arrive")
        void faults(KeycloakServer server, TestRealm realm) {
            int closedPort = Ports.freeLoopbackPort();
            Receiver dead = receiver(realm, "rcv-dead", Map.of("method", "urn:ietf:rfc:8935",
                    "endpoint_url", "http://127.0.0.1:" + closedPort + "/push"));
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
                Oidc.Reply deleted = call(realm, token(realm, dead.clientId(), dead.secret()), "DELETE",
                        "/ssf/transmitter/streams?stream_id=" + dead.streamId(), null);
                assertThat(deleted.status()).as(deleted.body()).isIn(200, 204);
            }
        }
    }
}
