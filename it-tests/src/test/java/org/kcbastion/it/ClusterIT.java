package org.kcbastion.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.AuditLog;
import org.kcbastion.it.harness.KeycloakCluster;
import org.kcbastion.it.harness.MasterAdmins;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;
import org.kcbastion.it.harness.Totp;
import org.keycloak.representations.idm.CredentialRepresentation;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
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
class ClusterIT {

    static final Duration WAIT = Duration.ofSeconds(40);
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
        return HttpRequest.newBuilder(URI.create(node.baseUrl() + "/admin/realms/" + realm.name() + "/users/" + userId + "/impersonation"))
                .header("Authorization", "Bearer " + token).header("X-Bastion-Reason", "CLUSTER-" + i)
                .POST(HttpRequest.BodyPublishers.noBody()).build();
    }

    @Nested
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
            List<CompletableFuture<HttpResponse<String>>> futures = IntStream.range(0, 20).mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                    return http.send(i % 2 == 0 ? impersonation(cluster.a(), onA, target.id(), i) : impersonation(cluster.b(), onB, target.id(), i),
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
        @DisplayName("revocation: an admin reset on node a makes the refresh on node b fail at once")
        void revocationAcrossNodes() {
            TestRealm.Client app = realm.createClient("cluster-app");
            TestRealm.User user = realm.createUser("cluster-user", false);
            Oidc onB = realm.oidcAt(cluster.b(), realm.name());
            Oidc.Reply tokens = onB.passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
            assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
            assertThat(onB.refresh(app.clientId(), app.secret(), tokens.text("refresh_token")).status()).isEqualTo(200);

            CredentialRepresentation password = new CredentialRepresentation();
            password.setType("password");
            password.setValue("Another-Horse-43");
            password.setTemporary(false);
            realm.admin().users().get(user.id()).resetPassword(password);

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
                    long lines = AuditLog.lines(cluster.a(), "session_limit_reached").stream().filter(j -> j.path("user_id").asText().equals(u.id())).count()
                            + AuditLog.lines(cluster.b(), "session_limit_reached").stream().filter(j -> j.path("user_id").asText().equals(u.id())).count();
                    assertThat(lines).as("audit lines for %s across both nodes", u.username()).isEqualTo(1);
                }
            } finally {
                realm.setClockOffsetOn(cluster.a(), 0);
                realm.setClockOffsetOn(cluster.b(), 0);
                realm.setAttributes(Collections.singletonMap("bastion.session.maxSeconds", null));
            }
        }
    }
}
