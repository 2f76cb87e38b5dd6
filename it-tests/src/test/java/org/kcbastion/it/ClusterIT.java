package org.kcbastion.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import com.fasterxml.jackson.databind.JsonNode;
import org.kcbastion.it.harness.AuditLog;
import org.kcbastion.it.harness.Jwt;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.KeycloakCluster;
import org.kcbastion.it.harness.MasterAdmins;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;
import org.kcbastion.it.harness.Totp;
import org.keycloak.representations.idm.EventRepresentation;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bastion on a 2-node cluster (production mode, {@code --cache=ispn}, jdbc-ping over PostgreSQL): rate limits,
 * revocation and the sweeper hold across nodes. Needs PostgreSQL; tag {@code postgres}, run by {@code .ci/run}.
 */
@Tag("postgres")
@DisplayName("Cluster of two nodes")
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class ClusterIT {

    static final Duration WAIT = Duration.ofSeconds(40);
    /** The harness's sweep interval. */
    static final int SWEEP_SECONDS = 3;
    static KeycloakCluster cluster;
    static TestRealm realm;
    static MasterAdmins admins;

    @BeforeAll
    static void start() {
        cluster = KeycloakCluster.start();
        System.out.printf("Cluster of two formed in %.1f s (node a ready after %.1f s, node b after %.1f s)%n",
                cluster.formSeconds(), cluster.a().startSeconds(), cluster.b().startSeconds());
        realm = TestRealm.createOn(cluster.a(), "it-cluster");
        admins = MasterAdmins.create(cluster.a(), realm);
    }

    @AfterAll
    static void stop() {
        try {
            if (admins != null) admins.close();
            if (realm != null) realm.close();
        } finally {
            if (cluster != null) cluster.close();
        }
    }

    /** A step-up token taken on {@code node}, so its issuer is that node's URL. */
    static String stepUpOn(org.kcbastion.it.harness.KeycloakServer node, TestRealm.User admin, String code) {
        Oidc.Reply r = realm.oidcAt(node, "master").passwordGrant(admins.tool(), null, admin.username(), admin.password(), "totp", code);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.text("access_token");
    }

    static HttpRequest impersonation(org.kcbastion.it.harness.KeycloakServer node, String token, String userId, int i) {
        return realm.impersonationRequest(node, token, userId, "CLUSTER-" + i);
    }

    static final String ROOMY_LIMITS = "admin=1000/1m,ip=1000/1m,target=1000/1m";

    static HttpResponse<String> send(HttpRequest request) {
        try {
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Audit lines of {@code event} for {@code userId} in both nodes' logs. */
    static List<JsonNode> auditAcross(String event, String userId) {
        List<JsonNode> all = new ArrayList<>();
        for (KeycloakServer node : List.of(cluster.a(), cluster.b())) {
            AuditLog.lines(node, event).stream().filter(j -> j.path("user_id").asText().equals(userId)).forEach(all::add);
        }
        return all;
    }

    static long lines(String text) {
        return cluster.a().log().lines().filter(l -> l.contains(text)).count()
                + cluster.b().log().lines().filter(l -> l.contains(text)).count();
    }

    @Nested
    @Order(1)
    @DisplayName("Across the nodes")
    class Across {

        @Test
        @DisplayName("rate limit: 20 concurrent attempts alternating between node a and node b, exactly 5 pass (admin=5/15m)")
        void rateLimitAcrossNodes() {
            realm.setAttributes(Map.of("bastion.rateLimit.impersonation", "admin=5/15m,ip=1000/1m,target=1000/1m"));
            TestRealm.User admin = admins.admin("impersonation", "view-users");
            String onA = stepUpOn(cluster.a(), admin, Totp.now(admin.otpSecret()));
            String onB = stepUpOn(cluster.b(), admin, Totp.next(admin.otpSecret()));
            TestRealm.User target = realm.createUser("cluster-target", false);
            ExecutorService pool = Executors.newFixedThreadPool(20);
            CountDownLatch go = new CountDownLatch(1);
            HttpClient http = HttpClient.newHttpClient();
            List<CompletableFuture<HttpResponse<String>>> futures = IntStream.range(0, 20)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                        try {
                            go.await();
                            return http.send(i % 2 == 0 ? impersonation(cluster.a(), onA, target.id(), i)
                                            : impersonation(cluster.b(), onB, target.id(), i),
                                    HttpResponse.BodyHandlers.ofString());
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }, pool)).toList();
            go.countDown();
            List<Integer> statuses = futures.stream().map(CompletableFuture::join).map(HttpResponse::statusCode).toList();
            pool.shutdown();
            assertThat(statuses.stream().filter(s -> s == 200).count()).as("%s", statuses).isEqualTo(5);
            assertThat(statuses.stream().filter(s -> s == 429).count()).as("%s", statuses).isEqualTo(15);
        }

        @Test
        @DisplayName("the HMAC key: node a from the environment variable, node b from Keycloak's config keystore; "
                + "both from server configuration")
        void hmacKeyFromServerConfiguration() {
            for (KeycloakServer node : List.of(cluster.a(), cluster.b())) {
                Map<String, String> info = node.admin().serverInfo().getInfo().getProviders().get("eventsListener")
                        .getProviders().get("bastion-security").getOperationalInfo();
                assertThat(info).as("operational info of bastion-security on %s", node.baseUrl())
                        .containsEntry("hmac-key-source", "server configuration");
            }
            assertThat(cluster.a().log() + cluster.b().log()).as("the key never reaches the log").doesNotContain(KeycloakCluster.HMAC_KEY);
            // Equal keys on both nodes are what the rate-limit test above shows: its slot keys are digests.
        }

        @Test
        @DisplayName("revocation: an admin reset on node a makes the refresh on node b fail at once")
        void revocationAcrossNodes() {
            TestRealm.Client app = realm.createClient("cluster-app");
            TestRealm.User user = realm.createUser("cluster-user", false);
            Oidc onB = realm.oidcAt(cluster.b(), realm.name());
            Oidc.Reply tokens = onB.passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
            assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
            assertThat(onB.refresh(app.clientId(), app.secret(), tokens.text("refresh_token")).status()).isEqualTo(200);

            realm.admin().users().get(user.id()).resetPassword(TestRealm.password("Another-Horse-43", false));

            Oidc.Reply refused = onB.refresh(app.clientId(), app.secret(), tokens.text("refresh_token"));
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.text("error")).isEqualTo("invalid_grant");
        }

        @Test
        @DisplayName("sweeper: capped sessions end once, by one node per interval (one audit line per session across both logs)")
        void sweeperOncePerCluster() {
            realm.setAttributes(Map.of("bastion.session.maxSeconds", "60"));
            TestRealm.Client app = realm.createClient("cluster-capped-app");
            List<TestRealm.User> users = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    TestRealm.User u = realm.createUser("cluster-capped-" + i, false);
                    users.add(u);
                    Oidc node = realm.oidcAt(i % 2 == 0 ? cluster.a() : cluster.b(), realm.name());
                    assertThat(node.passwordGrant(app.clientId(), app.secret(), u.username(), u.password()).status()).isEqualTo(200);
                }
                realm.setClockOffsetOn(cluster.a(), 61);
                realm.setClockOffsetOn(cluster.b(), 61);
                Poll.untilTrue("the sweeper ends the three capped sessions", WAIT, () -> users.stream()
                        .allMatch(u -> realm.admin().users().get(u.id()).getUserSessions().isEmpty()));
                for (TestRealm.User u : users) {
                    long lines = AuditLog.lines(cluster.a(), "session_limit_reached").stream()
                                    .filter(j -> j.path("user_id").asText().equals(u.id())).count()
                            + AuditLog.lines(cluster.b(), "session_limit_reached").stream()
                                    .filter(j -> j.path("user_id").asText().equals(u.id())).count();
                    assertThat(lines).as("audit lines for %s across both nodes", u.username()).isEqualTo(1);
                }
            } finally {
                realm.setClockOffsetOn(cluster.a(), 0);
                realm.setClockOffsetOn(cluster.b(), 0);
                realm.setAttributes(Collections.singletonMap("bastion.session.maxSeconds", null));
            }
        }

        @Test
        @DisplayName(
                "impersonation TTL and session caps hold on both nodes: each ends once across the cluster, both nodes refuse the refresh")
        void ttlAndCapsOnBothNodes() {
            realm.setAttributes(Map.of("bastion.rateLimit.impersonation", ROOMY_LIMITS,
                    "bastion.impersonation.maxSessionSeconds", "60", "bastion.session.maxSeconds", "120"));
            try {
                TestRealm.User admin = admins.admin("impersonation", "view-users");
                TestRealm.User target = realm.createUser("cluster-ttl-target", false);
                TestRealm.Client app = realm.createClient("cluster-ttl-app");
                HttpResponse<String> started = send(impersonation(cluster.a(), stepUpOn(cluster.a(), admin, Totp.now(admin.otpSecret())),
                        target.id(), 0));
                assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
                // Token issuers carry the node's URL (no shared front-end hostname here), so each token stays on its node.
                Oidc onA = realm.oidcAt(cluster.a(), realm.name());
                Oidc.Browser browser = onA.browser().cookiesFrom(started);
                browser.open(app.clientId(), app.redirectUri());
                String code = browser.code(app.redirectUri())
                        .orElseThrow(() -> new AssertionError("no SSO as the target: " + browser.page().text()));
                Oidc.Reply impersonated = onA.exchangeCode(app.clientId(), app.secret(), code, app.redirectUri());
                assertThat(Jwt.claims(impersonated.text("access_token")).path("sub").asText()).isEqualTo(target.id());
                assertThat(impersonationsOn(cluster.b())).as("node b lists the impersonation started on node a").contains(target.id());

                TestRealm.User capped = realm.createUser("cluster-cap-user", false);
                Map<KeycloakServer, Oidc.Reply> cappedTokens = new java.util.LinkedHashMap<>();
                for (KeycloakServer node : List.of(cluster.a(), cluster.b())) {
                    Oidc.Reply r = realm.oidcAt(node, realm.name()).passwordGrant(app.clientId(), app.secret(), capped.username(),
                            capped.password());
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    cappedTokens.put(node, r);
                }

                realm.setClockOffsetOn(cluster.a(), 61);
                realm.setClockOffsetOn(cluster.b(), 61);
                Poll.untilTrue("the impersonation ends at its TTL", WAIT, () -> !impersonationsOn(cluster.b()).contains(target.id()));
                Poll.untilTrue("no session left for the target", WAIT,
                        () -> cluster.b().admin().realm(realm.name()).users().get(target.id()).getUserSessions().isEmpty());
                Oidc.Reply refused = onA.refresh(app.clientId(), app.secret(), impersonated.text("refresh_token"));
                assertThat(refused.status()).as(refused.body()).isEqualTo(400);
                List<JsonNode> ends = auditAcross("impersonation_end", target.id());
                assertThat(ends).as("one impersonation_end line across both logs").hasSize(1);
                assertThat(ends.get(0).path("reason").asText()).isEqualTo("expired");
                assertThat(cluster.a().admin().realm(realm.name()).users().get(capped.id()).getUserSessions())
                        .as("the capped user's two sessions live on at 61 s (cap 120 s)").hasSize(2);

                realm.setClockOffsetOn(cluster.a(), 121);
                realm.setClockOffsetOn(cluster.b(), 121);
                for (Map.Entry<KeycloakServer, Oidc.Reply> e : cappedTokens.entrySet()) {
                    Oidc.Reply r = realm.oidcAt(e.getKey(), realm.name()).refresh(app.clientId(), app.secret(),
                            e.getValue().text("refresh_token"));
                    assertThat(r.status()).as("refresh past the cap on node %s: %s", ((KeycloakCluster.Node) e.getKey()).name(), r.body())
                            .isEqualTo(400);
                }
                Poll.untilTrue("the capped user's sessions end", WAIT,
                        () -> cluster.b().admin().realm(realm.name()).users().get(capped.id()).getUserSessions().isEmpty());
                assertThat(auditAcross("session_limit_reached", capped.id())).as("one line per session across both logs").hasSize(2);
            } finally {
                realm.setClockOffsetOn(cluster.a(), 0);
                realm.setClockOffsetOn(cluster.b(), 0);
                Map<String, String> reset = new java.util.HashMap<>();
                reset.put("bastion.impersonation.maxSessionSeconds", null);
                reset.put("bastion.session.maxSeconds", null);
                realm.setAttributes(reset);
            }
        }

        @Test
        @DisplayName("a cap put on a held role through node a applies at the next refresh on node b (issue 18: both nodes "
                + "drop their cached role caps with the write)")
        void roleCapWrittenOnOneNodeAppliesOnTheOther() {
            var adminA = cluster.a().admin().realm(realm.name());
            org.keycloak.representations.idm.RoleRepresentation role = new org.keycloak.representations.idm.RoleRepresentation();
            role.setName("cluster-shift");
            adminA.roles().create(role);
            role = adminA.roles().get("cluster-shift").toRepresentation();
            TestRealm.User user = realm.createUser("cluster-shift-holder", false);
            adminA.users().get(user.id()).roles().realmLevel().add(List.of(role));
            TestRealm.Client app = realm.createClient("cluster-shift-app");
            Oidc onB = realm.oidcAt(cluster.b(), realm.name());
            Oidc.Reply tokens = onB.passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
            assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
            long started = Jwt.claims(tokens.text("access_token")).path("iat").asLong();
            Oidc.Reply before = onB.refresh(app.clientId(), app.secret(), tokens.text("refresh_token"));
            assertThat(before.status()).as(before.body()).isEqualTo(200);
            assertThat(Jwt.claims(before.text("refresh_token")).path("exp").asLong()).as("no cap yet: node b has read the realm's caps")
                    .isGreaterThan(started + 900);

            role.setAttributes(Map.of("bastion.session.maxSeconds", List.of("900")));
            adminA.roles().get("cluster-shift").update(role);
            // Within seconds, well inside the index's 60 s re-read: only the invalidation can make node b see the cap.
            AtomicLong exp = new AtomicLong();
            Poll.untilTrue("node b's next refresh ends at the new role cap", Duration.ofSeconds(10), () -> {
                Oidc.Reply r = onB.refresh(app.clientId(), app.secret(), tokens.text("refresh_token"));
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                exp.set(Jwt.claims(r.text("refresh_token")).path("exp").asLong());
                return exp.get() <= started + 900;
            });
        }
    }

    /** User ids of the running impersonations, as {@code node} lists them. */
    static List<String> impersonationsOn(KeycloakServer node) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/admin/realms/" + realm.name()
                        + "/bastion/impersonations"))
                .header("Authorization", "Bearer " + node.admin().tokenManager().getAccessTokenString()).GET().build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        Oidc.parse(r.body()).forEach(j -> ids.add(j.path("user_id").asText()));
        return ids;
    }

    @Nested
    @Order(2)
    @DisplayName("Faults")
    class Faults {

        @Test
        @DisplayName("database outage during sweeps (connections killed, new ones refused): the sweeper logs, recovers the next interval, "
                + "ends each capped session once")
        void databaseOutageDuringSweep() {
            realm.setAttributes(Map.of("bastion.session.maxSeconds", "60"));
            TestRealm.Client app = realm.createClient("cluster-outage-app");
            List<TestRealm.User> users = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    TestRealm.User u = realm.createUser("cluster-outage-" + i, false);
                    users.add(u);
                    Oidc node = realm.oidcAt(i % 2 == 0 ? cluster.a() : cluster.b(), realm.name());
                    assertThat(node.passwordGrant(app.clientId(), app.secret(), u.username(), u.password()).status()).isEqualTo(200);
                }
                String failure = "Bastion session-limit sweep failed";
                long failuresBefore = lines(failure);
                // 57 s old now, past the 60 s cap three seconds later: while the database is out.
                realm.setClockOffsetOn(cluster.a(), 57);
                realm.setClockOffsetOn(cluster.b(), 57);
                long expiresAt = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                long outageStarted;
                long outageEnded;
                try (KeycloakCluster.DatabaseOutage outage = cluster.databaseOutage()) {
                    outageStarted = System.nanoTime();
                    Poll.untilTrue("a failed sweep logged after the sessions passed their cap", Duration.ofSeconds(40),
                            () -> System.nanoTime() > expiresAt + Duration.ofSeconds(SWEEP_SECONDS).toNanos()
                                    && lines(failure) > failuresBefore);
                    outageEnded = System.nanoTime();
                }
                System.out.printf("Database out for %.1f s; %d failed sweeps logged%n", (outageEnded - outageStarted) / 1e9,
                        lines(failure) - failuresBefore);
                Poll.untilTrue("the sweeper ends the three capped sessions after the outage", WAIT, () -> users.stream()
                        .allMatch(u -> realm.admin().users().get(u.id()).getUserSessions().isEmpty()));
                System.out.printf("Sessions ended %.1f s after the database came back%n", (System.nanoTime() - outageEnded) / 1e9);
                for (TestRealm.User u : users) {
                    assertThat(auditAcross("session_limit_reached", u.id())).as("audit lines for %s across both nodes", u.username())
                            .hasSize(1);
                    Poll.untilTrue("LOGOUT event stored for " + u.username(), WAIT, () -> !realm.admin()
                            .getEvents(List.of("LOGOUT"), null, u.id(), null, null, null, 0, 10).isEmpty());
                }
            } finally {
                realm.setClockOffsetOn(cluster.a(), 0);
                realm.setClockOffsetOn(cluster.b(), 0);
                realm.setAttributes(Collections.singletonMap("bastion.session.maxSeconds", null));
            }
        }
    }

    @Nested
    @Order(3)
    @DisplayName("Without an HMAC key")
    class WithoutKey {

        @Test
        @DisplayName("a third node of the cluster without an HMAC key refuses to start, and says how to give it one (issue 17)")
        void nodeWithoutKeyRefusesToStart() {
            KeycloakCluster.Refusal refusal = cluster.launchWithoutKey(Duration.ofMinutes(3));
            assertThat(refusal.exitCode()).as(refusal.log()).isNotZero();
            assertThat(refusal.log()).contains("Bastion: Keycloak runs clustered caches and no HMAC key is configured")
                    .contains(KeycloakCluster.HMAC_KEY_ENV).contains("--cache=local");
            // Keycloak 26.7.5 opens its HTTP port before the providers start; what counts is that the process ended.
            assertThat(refusal.log()).contains("Failed to start server");
        }
    }

    /** Kills node b, so it runs last. */
    @Nested
    @Order(4)
    @DisplayName("Node b killed with SIGKILL")
    class NodeKilled {

        @Test
        @DisplayName("in the middle of a burst of impersonation attempts: node a still enforces the limit, "
                + "no audit line, event or revocation is lost")
        void killedMidBurst() throws Exception {
            realm.setAttributes(Map.of("bastion.rateLimit.impersonation", "admin=5/15m,ip=1000/1m,target=1000/1m"));
            TestRealm.User admin = admins.admin("impersonation", "view-users");
            String onA = stepUpOn(cluster.a(), admin, Totp.now(admin.otpSecret()));
            String onB = stepUpOn(cluster.b(), admin, Totp.next(admin.otpSecret()));
            int attempts = 20;
            List<TestRealm.User> targets = new ArrayList<>();
            for (int i = 0; i < attempts + 10; i++) targets.add(realm.createUser("killed-target-" + i, false));
            // Sessions on node b for the revocation check after the kill.
            TestRealm.Client app = realm.createClient("cluster-killed-app");
            TestRealm.User victim = realm.createUser("cluster-killed-victim", false);
            for (int i = 0; i < 3; i++) {
                assertThat(realm.oidcAt(cluster.b(), realm.name()).passwordGrant(app.clientId(), app.secret(), victim.username(),
                        victim.password()).status()).isEqualTo(200);
            }

            ExecutorService pool = Executors.newFixedThreadPool(attempts + 1);
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch firstReplies = new CountDownLatch(4);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            List<CompletableFuture<Integer>> futures = IntStream.range(0, attempts).mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                    HttpRequest request = i % 2 == 0 ? impersonation(cluster.a(), onA, targets.get(i).id(), i)
                            : impersonation(cluster.b(), onB, targets.get(i).id(), i);
                    int status = http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
                    firstReplies.countDown();
                    return status;
                } catch (java.io.IOException e) {
                    return -1; // node b died with the request in flight, or before it was sent
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }, pool)).toList();
            AtomicLong killedAt = new AtomicLong();
            CompletableFuture<Void> killer = CompletableFuture.runAsync(() -> {
                try {
                    firstReplies.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                cluster.b().kill();
                killedAt.set(System.nanoTime());
            }, pool);
            go.countDown();
            List<Integer> burst = futures.stream().map(CompletableFuture::join).toList();
            killer.join();
            pool.shutdown();
            assertThat(cluster.b().alive()).isFalse();
            long lost = burst.stream().filter(s -> s == -1).count();
            System.out.printf("Burst with node b killed after the 4th reply: %s (%d without a reply)%n", burst, lost);
            assertThat(burst).as("only 200, 429 or no reply (node b gone)").allMatch(s -> s == 200 || s == 429 || s == -1);

            // Node a goes on: attempts until it refuses.
            List<Integer> after = new ArrayList<>();
            for (int i = attempts; i < attempts + 10; i++) {
                HttpResponse<String> r = send(impersonation(cluster.a(), onA, targets.get(i).id(), i));
                after.add(r.statusCode());
                if (r.statusCode() == 429) break;
            }
            System.out.printf("Node a after the kill (%.1f s later): %s%n", (System.nanoTime() - killedAt.get()) / 1e9, after);
            assertThat(after).as("node a refuses once the window's permits are used").endsWith(429);
            assertThat(after).as("node a answers nothing but 200 or 429").allMatch(s -> s == 200 || s == 429);

            List<Integer> all = new ArrayList<>(burst);
            all.addAll(after);
            int granted = 0;
            for (int i = 0; i < all.size(); i++) {
                String targetId = targets.get(i).id();
                List<JsonNode> starts = auditAcross("impersonation_start", targetId);
                if (all.get(i) == 200) {
                    granted++;
                    assertThat(starts).as("attempt %d answered 200: its impersonation_start line", i).hasSize(1);
                    Poll.untilTrue("IMPERSONATE event stored for attempt " + i, WAIT, () -> !events("IMPERSONATE", targetId).isEmpty());
                }
                if (all.get(i) == 429) assertThat(starts).as("attempt %d answered 429: no start line", i).isEmpty();
            }
            long startLines = targets.stream().mapToLong(t -> auditAcross("impersonation_start", t.id()).size()).sum();
            System.out.printf("Granted with a reply: %d; impersonation_start lines across both logs: %d%n", granted, startLines);
            for (KeycloakServer node : List.of(cluster.a(), cluster.b())) {
                assertThat(node.log()).as("rate-limit slots written to the embedded cache, each with its own value")
                        .doesNotContain("Bastion: no embedded actionTokens cache");
            }
            assertThat(startLines).as("never more than the limit, replies lost or not").isLessThanOrEqualTo(5);
            assertThat(startLines).as("every 200 has its audit line").isGreaterThanOrEqualTo(granted);

            // Revocation after the kill: node a ends the sessions node b created.
            assertThat(realm.admin().users().get(victim.id()).getUserSessions()).as("node b's sessions survive on node a").hasSize(3);
            realm.admin().users().get(victim.id()).resetPassword(TestRealm.password("Another-Horse-44", false));
            Poll.untilTrue("node a ends every session of the victim", WAIT,
                    () -> realm.admin().users().get(victim.id()).getUserSessions().isEmpty());
            JsonNode revoked = AuditLog.await(cluster.a(), "sessions_revoked", "user_id", victim.id(), WAIT);
            System.out.println("Revocation after the kill: " + revoked);
        }

        List<EventRepresentation> events(String type, String userId) {
            return realm.admin().getEvents(List.of(type), null, userId, null, null, null, 0, 10);
        }
    }
}
