package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.AuditLog;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Jwt;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.MasterAdmins;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;
import org.kcbastion.it.harness.Totp;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Impersonation through Keycloak's own endpoint ({@code POST /admin/realms/{realm}/users/{id}/impersonation}) with
 * Bastion's guard in front. The admins live in master (as most operators' do) with roles on this realm's admin
 * client, so their own sessions survive an impersonation and the tie between the two can be tested.
 */
@BastionKeycloak
@DisplayName("Impersonation: step-up, reason, protected targets, cluster-wide rate limits, bounded and audited")
class ImpersonationIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String ROOMY_LIMITS = "admin=1000/1m,ip=1000/1m,target=1000/1m";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String SOC = "soc@bastion.test";
    static MasterAdmins admins;

    @BeforeAll
    static void setUp(KeycloakServer server, TestRealm realm) {
        admins = MasterAdmins.create(server, realm);
        realm.setAttributes(Map.of("bastion.rateLimit.impersonation", ROOMY_LIMITS, "bastion.securityContact", SOC));
    }

    @AfterAll
    static void tearDown() {
        if (admins != null) admins.close();
    }

    static boolean mailed(TestRealm realm, String recipient, String subjectPart) {
        return realm.mail().received().stream().anyMatch(m -> {
            try {
                return java.util.Arrays.stream(m.getAllRecipients()).anyMatch(a -> a.toString().equals(recipient))
                        && m.getSubject().contains(subjectPart);
            } catch (jakarta.mail.MessagingException e) {
                throw new AssertionError(e);
            }
        });
    }

    static TestRealm.User admin(KeycloakServer server, TestRealm realm, String... roles) {
        return admins.admin(roles);
    }

    static String stepUpToken(TestRealm realm, TestRealm.User a) {
        return admins.stepUpToken(a);
    }

    static HttpRequest impersonationRequest(TestRealm realm, String token, String userId, String reason) {
        return realm.impersonationRequest(realm.server(), token, userId, reason);
    }

    static HttpResponse<String> impersonate(TestRealm realm, String token, String userId, String reason) {
        return realm.impersonate(token, userId, reason);
    }

    static int sessionsOf(TestRealm realm, String userId) {
        return realm.admin().users().get(userId).getUserSessions().size();
    }

    static List<EventRepresentation> events(TestRealm realm, String type, String userId) {
        return realm.admin().getEvents(List.of(type), null, userId, null, null, null, 0, 100);
    }

    static List<JsonNode> impersonations(TestRealm realm) {
        Oidc.Reply reply = realm.adminCall("GET", "bastion/impersonations", null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return StreamSupport.stream(reply.json().spliterator(), false).toList();
    }

    static void assertDenied(TestRealm realm, HttpResponse<String> r, int status, String error, String targetId) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = Oidc.parse(r.body());
        assertThat(body.path("error").asText()).isEqualTo(error);
        assertThat(body.path("error_description").asText()).isNotBlank();
        assertThat(sessionsOf(realm, targetId)).as("no session for the target").isZero();
        Poll.untilTrue("IMPERSONATE_ERROR " + error + " stored", WAIT, () -> events(realm, "IMPERSONATE_ERROR", targetId).stream()
                .anyMatch(e -> error.equals(e.getError())));
    }

    @Nested
    @DisplayName("Step-up")
    class StepUpRequired {

        @Test
        @DisplayName("an admin session without step-up gets 401 with the RFC 9470 header; no session, IMPERSONATE_ERROR stored")
        void withoutStepUp(KeycloakServer server, TestRealm realm) {
            TestRealm.User a = admin(server, realm, "impersonation", "view-users");
            TestRealm.User target = realm.createUser("target-no-step-up", false);
            HttpResponse<String> r = impersonate(realm, admins.plainToken(a), target.id(), "TICKET-1");
            assertDenied(realm, r, 401, "step_up_required", target.id());
            assertThat(r.headers().firstValue("WWW-Authenticate").orElse(""))
                    .contains("Bearer", "error=\"insufficient_user_authentication\"", "max_age=300");
            JsonNode body = Oidc.parse(r.body());
            assertThat(body.path("step_up_url").asText()).as("the short form, which returns to the admin's console")
                    .isEqualTo(server.baseUrl() + "/realms/master/bastion/step-up");
            JsonNode audit = AuditLog.await(server, "impersonation_denied", "user_id", target.id(), WAIT);
            assertThat(audit.path("error").asText()).isEqualTo("step_up_required");
            assertThat(audit.path("impersonator").asText()).isEqualTo(a.username());
            Poll.untilTrue("the security contact hears of the denial", WAIT, () -> mailed(realm, SOC, "was refused"));
        }

        @Test
        @DisplayName("legacy token exchange with requested_subject is refused (403), outside any session")
        void tokenExchangeImpersonation(KeycloakServer server, TestRealm realm) {
            TestRealm.Client app = realm.createClient("exchange-app");
            TestRealm.User user = realm.createUser("exchange-user", false);
            TestRealm.User target = realm.createUser("exchange-target", false);
            String subjectToken = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password())
                    .text("access_token");
            Oidc.Reply r = realm.oidc().tokenExchange(app.clientId(), app.secret(), "subject_token", subjectToken,
                    "subject_token_type", "urn:ietf:params:oauth:token-type:access_token", "requested_subject", target.username());
            assertThat(r.status()).as(r.body()).isEqualTo(403);
            assertThat(r.text("error")).isEqualTo("access_denied");
            // The parameter after 100 KB of padding: a filter that peeked at the first 64 KiB once let it through unread.
            Oidc.Reply padded = realm.oidc().tokenExchange(app.clientId(), app.secret(), "subject_token", subjectToken,
                    "subject_token_type", "urn:ietf:params:oauth:token-type:access_token", "bastion_padding", "x".repeat(100_000),
                    "requested_subject", target.username());
            assertThat(padded.status()).as(padded.body()).isEqualTo(403);
            assertThat(padded.text("error")).isEqualTo("access_denied");
            assertThat(sessionsOf(realm, target.id())).isZero();
        }

        @Test
        @DisplayName(
                "after a direct-grant step-up (password + TOTP) it works, with notes, events, audit and notice; past max age 401 again")
        void afterStepUp(KeycloakServer server, TestRealm realm) {
            TestRealm.User a = admin(server, realm, "impersonation", "view-users");
            TestRealm.User target = realm.createUser("target-after-step-up", false);
            Oidc.Reply tokens = admins.stepUp(a, Totp.now(a.otpSecret()));
            assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
            String token = tokens.text("access_token");
            HttpResponse<String> r = impersonate(realm, token, target.id(), "INC-4711 password help");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(Oidc.parse(r.body()).path("sameRealm").asBoolean()).isFalse();

            JsonNode active = impersonations(realm).stream().filter(j -> j.path("user_id").asText().equals(target.id()))
                    .findFirst().orElseThrow();
            assertThat(active.path("reason").asText()).isEqualTo("INC-4711 password help");
            assertThat(active.path("impersonator").asText()).isEqualTo(a.username());
            assertThat(active.path("expires").asLong() - active.path("started").asLong()).isEqualTo(900);
            assertThat(events(realm, "IMPERSONATE", target.id())).hasSize(1);
            JsonNode audit = AuditLog.await(server, "impersonation_start", "user_id", target.id(), WAIT);
            assertThat(audit.path("reason").asText()).isEqualTo("INC-4711 password help");
            assertThat(audit.path("guarded").asBoolean()).as("the guard's grant reached the new session").isTrue();
            assertThat(audit.path("impersonator_id").asText()).isEqualTo(a.id());
            assertThat(audit.path("expires_at").asLong()).isEqualTo(active.path("expires").asLong());
            assertThat(audit.path("session").asText()).as("a digest, not the id").isNotEqualTo(active.path("id").asText()).hasSize(64);
            var notice = realm.mail().awaitMessageTo(target.email(), WAIT);
            assertThat(TestMail.subject(notice)).contains("signed in as you");
            Poll.untilTrue("the security contact hears of the start", WAIT, () -> mailed(realm, SOC, "signed in as you"));

            try {
                realm.setClockOffset(301);
                // The same session, a fresh access token: only the step-up has aged.
                Oidc.Reply refreshed = realm.oidcOf("master").refresh(admins.tool(), null, tokens.text("refresh_token"));
                assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
                TestRealm.User other = realm.createUser("target-after-max-age", false);
                assertDenied(realm, impersonate(realm, refreshed.text("access_token"), other.id(), "INC-4712"), 401,
                        "step_up_required", other.id());
            } finally {
                realm.setClockOffset(0);
            }
        }

        @Test
        @DisplayName("a wrong one-time code fails the step-up; an admin without a second factor cannot step up at all")
        void badStepUps(KeycloakServer server, TestRealm realm) {
            TestRealm.User a = admin(server, realm, "impersonation");
            Oidc.Reply wrong = admins.stepUp(a, "000000".equals(Totp.now(a.otpSecret())) ? "111111" : "000000");
            assertThat(wrong.status()).as(wrong.body()).isEqualTo(401);
            assertThat(wrong.text("error")).isEqualTo("invalid_grant");

            TestRealm.User noOtp = admins.withoutOtp();
            Oidc.Reply r = realm.oidcOf("master").passwordGrant(admins.tool(), null, noOtp.username(), noOtp.password(), "totp", "123456");
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.text("error_description")).contains("second factor");
        }
    }

    @Nested
    @DisplayName("Refusals before any session exists")
    class Refusals {

        @Test
        @DisplayName(
                "protected target (admin role, or a role in protectedRoles) 403; no reason 400; no permission 403; wrong realm's admin 403")
        void refusals(KeycloakServer server, TestRealm realm) {
            TestRealm.User a = admin(server, realm, "impersonation", "view-users");
            String token = stepUpToken(realm, a);

            TestRealm.User helpdesk = realm.createUser("target-realm-admin", false);
            String rm = realm.admin().clients().findByClientId("realm-management").get(0).getId();
            realm.admin().users().get(helpdesk.id()).roles().clientLevel(rm)
                    .add(List.of(realm.admin().clients().get(rm).roles().get("view-users").toRepresentation()));
            assertDenied(realm, impersonate(realm, token, helpdesk.id(), "T-1"), 403, "protected_target", helpdesk.id());

            RoleRepresentation vip = new RoleRepresentation();
            vip.setName("vip");
            realm.admin().roles().create(vip);
            TestRealm.User ceo = realm.createUser("target-vip", false);
            realm.admin().users().get(ceo.id()).roles().realmLevel().add(List.of(realm.admin().roles().get("vip").toRepresentation()));
            realm.setAttributes(Map.of("bastion.impersonation.protectedRoles", "vip"));
            try {
                assertDenied(realm, impersonate(realm, token, ceo.id(), "T-2"), 403, "protected_target", ceo.id());
            } finally {
                realm.setAttributes(Map.of("bastion.impersonation.protectedRoles", ""));
            }

            TestRealm.User plain = realm.createUser("target-plain", false);
            assertDenied(realm, impersonate(realm, token, plain.id(), null), 400, "reason_required", plain.id());
            assertDenied(realm, impersonate(realm, token, plain.id(), "x".repeat(201)), 400, "reason_required", plain.id());

            TestRealm.User viewer = admin(server, realm, "view-users");
            assertDenied(realm, impersonate(realm, stepUpToken(realm, viewer), plain.id(), "T-3"), 403, "not_permitted", plain.id());

            // An admin who may impersonate in master only, not in this realm.
            TestRealm.User other = admins.adminWith("master-realm", "impersonation");
            String otherToken = stepUpToken(realm, other);
            assertDenied(realm, impersonate(realm, otherToken, plain.id(), "T-4"), 403, "not_permitted", plain.id());
        }
    }

    @Nested
    @DisplayName("Cluster-wide rate limits (SingleUseObjectProvider slots)")
    class RateLimits {

        /** Fires {@code n} impersonation requests at once and returns the status codes. */
        List<HttpResponse<String>> burst(TestRealm realm, int n, java.util.function.IntFunction<HttpRequest> request) {
            CountDownLatch go = new CountDownLatch(1);
            var pool = java.util.concurrent.Executors.newFixedThreadPool(n);
            List<CompletableFuture<HttpResponse<String>>> futures = IntStream.range(0, n)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                        try {
                            go.await();
                            return HTTP.send(request.apply(i), HttpResponse.BodyHandlers.ofString());
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }, pool))
                    .toList();
            go.countDown();
            try {
                return futures.stream().map(CompletableFuture::join).toList();
            } finally {
                pool.shutdown();
            }
        }

        /** Exactly {@code allowed} pass; the rest are 429 for {@code scope} with a Retry-After within its window. */
        void assertExactly(List<HttpResponse<String>> replies, int allowed, String scope, long windowSeconds) {
            long ok = replies.stream().filter(r -> r.statusCode() == 200).count();
            List<HttpResponse<String>> limited = replies.stream().filter(r -> r.statusCode() == 429).toList();
            assertThat(ok).as("allowed of %d: %s", replies.size(), replies.stream().map(HttpResponse::statusCode).toList())
                    .isEqualTo(allowed);
            assertThat(limited).hasSize(replies.size() - allowed);
            limited.forEach(r -> {
                assertThat(Oidc.parse(r.body()).path("error").asText()).isEqualTo("rate_limited");
                assertThat(Oidc.parse(r.body()).path("scope").asText()).isEqualTo(scope);
                assertThat(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, windowSeconds);
            });
        }

        @Test
        @DisplayName("20 concurrent attempts by one admin: exactly 5 pass (admin=5/15m)")
        void perAdmin(KeycloakServer server, TestRealm realm) {
            realm.setAttributes(Map.of("bastion.rateLimit.impersonation", "admin=5/15m,ip=1000/1m,target=1000/1m"));
            try {
                TestRealm.User a = admin(server, realm, "impersonation", "view-users");
                String token = stepUpToken(realm, a);
                TestRealm.User target = realm.createUser("target-rate-admin", false);
                assertExactly(burst(realm, 20, i -> impersonationRequest(realm, token, target.id(), "LOAD-" + i)), 5, "admin", 900);
                assertThat(sessionsOf(realm, target.id())).isEqualTo(5);
            } finally {
                realm.setAttributes(Map.of("bastion.rateLimit.impersonation", ROOMY_LIMITS));
            }
        }

        /** Four admins (so no per-admin limit bites) fire 20 attempts at one target under {@code limits}. */
        void fourAdminsOneTarget(KeycloakServer server, TestRealm realm, String limits, String targetName, int allowed, String scope,
                                 long windowSeconds) {
            realm.setAttributes(Map.of("bastion.rateLimit.impersonation", limits));
            try {
                List<String> tokens = IntStream.range(0, 4).mapToObj(i -> stepUpToken(realm, admin(server, realm, "impersonation")))
                        .toList();
                TestRealm.User target = realm.createUser(targetName, false);
                assertExactly(burst(realm, 20, i -> impersonationRequest(realm, tokens.get(i % 4), target.id(), "LOAD-" + i)),
                        allowed, scope, windowSeconds);
                assertThat(sessionsOf(realm, target.id())).isEqualTo(allowed);
            } finally {
                realm.setAttributes(Map.of("bastion.rateLimit.impersonation", ROOMY_LIMITS));
            }
        }

        @Test
        @DisplayName("per client IP: 20 concurrent attempts by 4 admins from one address, exactly 7 pass (ip=7/13m)")
        void perIp(KeycloakServer server, TestRealm realm) {
            fourAdminsOneTarget(server, realm, "admin=1000/1m,ip=7/13m,target=1000/1m", "target-rate-ip", 7, "ip", 13 * 60);
        }

        @Test
        @DisplayName("per target: 20 concurrent attempts by 4 admins on one user, exactly 3 pass (target=3/1h)")
        void perTarget(KeycloakServer server, TestRealm realm) {
            fourAdminsOneTarget(server, realm, "admin=1000/1m,ip=1000/1m,target=3/1h", "target-rate-target", 3, "target", 3600);
        }
    }

    @Nested
    @DisplayName("Bounded: the impersonation session ends")
    class Bounded {

        String start(KeycloakServer server, TestRealm realm, TestRealm.User a, String token, TestRealm.User target) {
            HttpResponse<String> r = impersonate(realm, token, target.id(), "END-TEST");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return impersonations(realm).stream().filter(j -> j.path("user_id").asText().equals(target.id()))
                    .findFirst().orElseThrow().path("id").asText();
        }

        void assertEnded(KeycloakServer server, TestRealm realm, TestRealm.User target, String sessionId, String reason) {
            Poll.untilTrue("the impersonation session ends (" + reason + ")", WAIT, () -> sessionsOf(realm, target.id()) == 0);
            JsonNode audit = AuditLog.await(server, "impersonation_end", "user_id", target.id(), WAIT);
            assertThat(audit.path("reason").asText()).isEqualTo(reason);
            assertThat(AuditLog.lines(server, "impersonation_end").stream().filter(j -> j.path("user_id").asText().equals(target.id())))
                    .as("one end line, not two").hasSize(1);
            Poll.untilTrue("LOGOUT event with reason " + reason, WAIT, () -> events(realm, "LOGOUT", target.id()).stream()
                    .anyMatch(e -> sessionId.equals(e.getSessionId()) && reason.equals(e.getDetails().get("reason"))));
            assertThat(server.log()).as("raw session ids never reach the log").doesNotContain(sessionId);
        }

        @Test
        @DisplayName("after its TTL (bastion.impersonation.maxSessionSeconds) the sweeper ends it: LOGOUT reason expired")
        void expires(KeycloakServer server, TestRealm realm) {
            realm.setAttributes(Map.of("bastion.impersonation.maxSessionSeconds", "60"));
            try {
                TestRealm.User a = admin(server, realm, "impersonation", "view-users");
                TestRealm.User target = realm.createUser("target-ttl", false);
                String sid = start(server, realm, a, stepUpToken(realm, a), target);
                realm.setClockOffset(61);
                assertEnded(server, realm, target, sid, "expired");
            } finally {
                realm.setClockOffset(0);
                realm.setAttributes(Map.of("bastion.impersonation.maxSessionSeconds", "900"));
            }
        }

        @Test
        @DisplayName("DELETE bastion/impersonations/{id} ends it now: 204, LOGOUT reason ended_by_admin; unknown id 404")
        void endedByAdmin(KeycloakServer server, TestRealm realm) {
            TestRealm.User a = admin(server, realm, "impersonation", "view-users");
            TestRealm.User target = realm.createUser("target-delete", false);
            String sid = start(server, realm, a, stepUpToken(realm, a), target);
            Oidc.Reply deleted = realm.adminCall("DELETE", "bastion/impersonations/" + sid, null);
            assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
            assertEnded(server, realm, target, sid, "ended_by_admin");
            Oidc.Reply again = realm.adminCall("DELETE", "bastion/impersonations/" + sid, null);
            assertThat(again.status()).isEqualTo(404);
            assertThat(again.text("error")).isEqualTo("impersonation_not_found");
        }

        @Test
        @DisplayName("the impersonated session signs out (OIDC logout) or is deleted through Keycloak's own API: "
                + "audited with reason logout / ended_by_admin")
        void endedByKeycloak(KeycloakServer server, TestRealm realm) {
            TestRealm.User a = admin(server, realm, "impersonation", "view-users");
            String token = stepUpToken(realm, a);
            TestRealm.Client app = realm.createClient("impersonation-app");

            TestRealm.User signsOut = realm.createUser("target-signs-out", false);
            HttpResponse<String> r = impersonate(realm, token, signsOut.id(), "END-LOGOUT");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            Oidc.Browser b = realm.oidc().browser().cookiesFrom(r);
            b.open(app.clientId(), app.redirectUri());
            String code = b.code(app.redirectUri()).orElseThrow(() -> new AssertionError("no SSO as the target: " + b.page().text()
                    + " cookies set: " + r.headers().allValues("Set-Cookie") + " browser: " + b.cookies().keySet()));
            Oidc.Reply tokens = realm.oidc().exchangeCode(app.clientId(), app.secret(), code, app.redirectUri());
            assertThat(Jwt.claims(tokens.text("access_token")).path("sub").asText()).isEqualTo(signsOut.id());
            Oidc.Reply out = realm.oidc().logout(app.clientId(), app.secret(), tokens.text("refresh_token"));
            assertThat(out.status()).as(out.body()).isEqualTo(204);
            assertThat(AuditLog.await(server, "impersonation_end", "user_id", signsOut.id(), WAIT).path("reason").asText())
                    .isEqualTo("logout");

            TestRealm.User deleted = realm.createUser("target-session-deleted", false);
            String sid = start(server, realm, a, token, deleted);
            realm.admin().deleteSession(sid, false);
            assertThat(AuditLog.await(server, "impersonation_end", "user_id", deleted.id(), WAIT).path("reason").asText())
                    .isEqualTo("ended_by_admin");
            assertThat(AuditLog.lines(server, "impersonation_end").stream()
                    .filter(j -> j.path("user_id").asText().equals(deleted.id()))).as("one end line, not two").hasSize(1);
        }

        @Test
        @DisplayName("when the admin's own session ends, so does the impersonation: LOGOUT reason admin_session_ended")
        void adminSessionEnds(KeycloakServer server, TestRealm realm) {
            TestRealm.User a = admin(server, realm, "impersonation", "view-users");
            TestRealm.User target = realm.createUser("target-admin-gone", false);
            String token = stepUpToken(realm, a);
            String sid = start(server, realm, a, token, target);
            String adminSid = Jwt.claims(token).path("sid").asText();
            server.admin().realm("master").deleteSession(adminSid, false);
            assertEnded(server, realm, target, sid, "admin_session_ended");
            assertThat(server.log()).as("the admin's session id is stored and logged only as a digest").doesNotContain(adminSid);
        }
    }

    /** Mail helpers kept here: subjects are MIME-encoded when they hold non-ASCII text. */
    static final class TestMail {
        static String subject(jakarta.mail.internet.MimeMessage m) {
            try {
                return m.getSubject();
            } catch (jakarta.mail.MessagingException e) {
                throw new AssertionError(e);
            }
        }
    }
}
