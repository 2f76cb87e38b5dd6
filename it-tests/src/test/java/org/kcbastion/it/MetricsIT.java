package org.kcbastion.it;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.AuditLog;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Bastion's counters at Keycloak's {@code /metrics} (management port, {@code --metrics-enabled=true}). */
@BastionKeycloak
@DisplayName("Metrics at /metrics")
class MetricsIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Sum of every series of {@code metric} whose labels contain all of {@code labels} (Prometheus text format). */
    static double sum(KeycloakServer server, String metric, String... labels) {
        String text = metricsText(server);
        double total = 0;
        Matcher m = Pattern.compile("^" + metric + "\\{([^}]*)} ([0-9.eE+-]+)$", Pattern.MULTILINE).matcher(text);
        while (m.find()) {
            boolean all = true;
            for (String label : labels) all &= m.group(1).contains(label);
            if (all) total += Double.parseDouble(m.group(2));
        }
        return total;
    }

    @Nested
    @DisplayName("Counters move with what they count; labels carry no user ids")
    class Counters {

        @Test
        @DisplayName("a revocation, a denied impersonation and a capped session each raise their counter")
        void countersIncrease(KeycloakServer server, TestRealm realm) {
            double revoked = sum(server, "bastion_sessions_revoked_total", "trigger=\"reset_password\"");
            double denied = sum(server, "bastion_guard_decisions_total", "action=\"impersonate\"", "outcome=\"not_permitted\"");
            double capped = sum(server, "bastion_session_limit_reached_total");

            TestRealm.Client app = realm.createClient("metrics-app");
            TestRealm.User victim = realm.createUser("metrics-victim", false);
            assertThat(realm.oidc().passwordGrant(app.clientId(), app.secret(), victim.username(), victim.password()).status())
                    .isEqualTo(200);
            realm.admin().users().get(victim.id()).resetPassword(TestRealm.password("Another-Horse-43", false));

            TestRealm.User target = realm.createUser("metrics-target", false);
            Oidc.Reply refused = realm.adminCall("POST", "users/" + target.id() + "/impersonation", null, "X-Bastion-Reason", "T-1");
            assertThat(refused.status()).as("the bootstrap service account may not impersonate: %s", refused.body()).isEqualTo(403);

            realm.setAttributes(Map.of("bastion.session.maxSeconds", "60"));
            try {
                TestRealm.User capUser = realm.createUser("metrics-capped", false);
                Oidc.Reply tokens = realm.oidc().passwordGrant(app.clientId(), app.secret(), capUser.username(), capUser.password());
                realm.setClockOffset(61);
                realm.oidc().refresh(app.clientId(), app.secret(), tokens.text("refresh_token"));
                AuditLog.await(server, "session_limit_reached", "user_id", capUser.id(), WAIT);
            } finally {
                realm.setClockOffset(0);
                realm.setAttributes(java.util.Collections.singletonMap("bastion.session.maxSeconds", null));
            }

            Poll.untilTrue("revocation counted", WAIT,
                    () -> sum(server, "bastion_sessions_revoked_total", "trigger=\"reset_password\"") >= revoked + 1);
            assertThat(sum(server, "bastion_guard_decisions_total", "action=\"impersonate\"", "outcome=\"not_permitted\""))
                    .isEqualTo(denied + 1);
            assertThat(sum(server, "bastion_session_limit_reached_total")).isGreaterThanOrEqualTo(capped + 1);
            String text = metricsText(server);
            assertThat(text).doesNotContain(victim.id()).doesNotContain(target.id());
        }
    }

    @Nested
    @DisplayName("Series exist from the start, each with its realm (issue 19)")
    class Registered {

        @Test
        @DisplayName("a new realm has every Bastion series at zero, and every Bastion series carries a realm label")
        void atZeroWithRealm(KeycloakServer server, TestRealm realm) {
            String text = metricsText(server);
            String inRealm = "realm=\"" + realm.name() + "\"";
            for (String metric : List.of("bastion_sessions_revoked_total", "bastion_session_limit_reached_total",
                    "bastion_session_limit_would_end_total", "bastion_rate_limited_total", "bastion_impersonations_total",
                    "bastion_step_up_total", "bastion_backchannel_failures_total", "bastion_mail_failures_total",
                    "bastion_guard_decisions_total", "bastion_ssf_sets_total", "bastion_ssf_failures_total")) {
                assertThat(text).as(metric + " of " + realm.name()).containsPattern("(?m)^" + metric + "\\{[^}]*" + inRealm);
            }
            assertThat(text).containsPattern("(?m)^bastion_step_up_total\\{[^}]*outcome=\"invalid\"[^}]*" + inRealm + "[^}]*} 0\\.0$");
            assertThat(text).contains("bastion_sweep_failures_total{");
            List<String> unlabelled = text.lines().filter(l -> l.startsWith("bastion_") && !l.contains("realm=\"")).toList();
            assertThat(unlabelled).as("series without a realm label").isEmpty();
        }
    }

    static String metricsText(KeycloakServer server) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(server.managementUrl() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
