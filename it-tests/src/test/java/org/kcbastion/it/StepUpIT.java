package org.kcbastion.it;

import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Flows;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;
import org.kcbastion.it.harness.Totp;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code bastion-step-up} authenticator itself: failures count, and its page fits any login theme. */
@BastionKeycloak
@DisplayName("bastion-step-up: failures count toward brute-force protection and the rate limit; the page fits any theme")
class StepUpIT {

    static final String TOOL = "step-up-tool";

    @BeforeAll
    static void setUp(TestRealm realm) {
        String flow = Flows.directGrantStepUp(realm.admin(), "step-up-grant");
        ClientRepresentation tool = new ClientRepresentation();
        tool.setClientId(TOOL);
        tool.setPublicClient(true);
        tool.setDirectAccessGrantsEnabled(true);
        tool.setStandardFlowEnabled(false);
        tool.setAuthenticationFlowBindingOverrides(Map.of("direct_grant", flow));
        try (Response r = realm.admin().clients().create(tool)) {
            CreatedResponseUtil.getCreatedId(r);
        }
        realm.bindBrowserStepUpFlow();
    }

    static Oidc.Reply stepUp(TestRealm realm, TestRealm.User user, String code) {
        return realm.oidc().passwordGrant(TOOL, null, user.username(), user.password(), "totp", code);
    }

    static String wrongCode(TestRealm.User user) {
        return Totp.now(user.otpSecret()).equals("000000") ? "111111" : "000000";
    }

    @Nested
    @DisplayName("Failed step-ups")
    class Failures {

        @Test
        @DisplayName("count toward Keycloak's brute-force protection (its failure count for the user rises; "
                + "once locked, the right code is refused)")
        void bruteForce(TestRealm realm) {
            RealmRepresentation rep = realm.admin().toRepresentation();
            rep.setBruteForceProtected(true);
            rep.setFailureFactor(2);
            rep.setWaitIncrementSeconds(600);
            rep.setMaxFailureWaitSeconds(900);
            realm.admin().update(rep);
            try {
                TestRealm.User user = realm.createUser("brute-forced", true);
                // Two failures within Keycloak's quick-login window may lock the user at once: then the second is a 400.
                for (int i = 0; i < 2; i++) assertThat(stepUp(realm, user, wrongCode(user)).status()).isIn(400, 401);
                // Keycloak's own record of the failures (it ignores authenticators outside its password/otp categories).
                Map<String, Object> status = Poll.until("Keycloak counts the failed step-ups", Duration.ofSeconds(30), () -> {
                    Map<String, Object> s = realm.admin().attackDetection().bruteForceUserStatus(user.id());
                    Object failures = s.get("numFailures");
                    return failures instanceof Number n && n.intValue() >= 1 ? java.util.Optional.of(s) : java.util.Optional.empty();
                });
                if (Boolean.TRUE.equals(status.get("disabled"))) {
                    Oidc.Reply right = stepUp(realm, user, Totp.now(user.otpSecret()));
                    assertThat(right.status()).as("locked out: %s", right.body()).isIn(400, 401);
                    assertThat(right.json().has("access_token")).isFalse();
                }
            } finally {
                RealmRepresentation back = realm.admin().toRepresentation();
                back.setBruteForceProtected(false);
                realm.admin().update(back);
            }
        }

        @Test
        @DisplayName("count toward Bastion's rate limit (the per-admin limit): once used up, 429 rate_limited with Retry-After")
        void rateLimited(TestRealm realm) {
            realm.setAttributes(Map.of("bastion.rateLimit.impersonation", "admin=2/1h"));
            try {
                TestRealm.User user = realm.createUser("step-up-guesser", true);
                for (int i = 0; i < 2; i++) assertThat(stepUp(realm, user, wrongCode(user)).status()).isEqualTo(401);
                Oidc.Reply right = stepUp(realm, user, Totp.now(user.otpSecret()));
                assertThat(right.status()).as(right.body()).isEqualTo(429);
                assertThat(right.text("error")).isEqualTo("rate_limited");
                assertThat(right.json().has("access_token")).isFalse();
            } finally {
                realm.setAttributes(java.util.Collections.singletonMap("bastion.rateLimit.impersonation", null));
            }
        }
    }

    @Nested
    @DisplayName("The browser page")
    class Page {

        @Test
        @DisplayName("renders in the keycloak.v2, keycloak and base login themes, and a wrong code shows the error on the same page")
        void anyTheme(KeycloakServer server, TestRealm realm) {
            String console = server.baseUrl() + "/admin/" + realm.name() + "/console/";
            for (String theme : new String[]{"keycloak.v2", "keycloak", "base"}) {
                RealmRepresentation rep = realm.admin().toRepresentation();
                rep.setLoginTheme(theme);
                realm.admin().update(rep);
                TestRealm.User user = realm.createUser("theme-" + theme.replace('.', '-'), true);
                Oidc.Browser b = realm.oidc().browser();
                b.get(server.baseUrl() + "/realms/" + realm.name() + "/bastion/step-up?redirect_uri="
                        + URLEncoder.encode(console, StandardCharsets.UTF_8));
                b.submit("username", user.username(), "password", user.password());
                String first = Totp.now(user.otpSecret());
                b.submit("otp", first);
                assertThat(b.page().selectFirst("form#bastion-step-up-form")).as("%s: %s", theme, b.page().text()).isNotNull();
                assertThat(b.page().text()).as(theme).contains("This action needs a fresh confirmation");
                b.submit("password", user.password(), "otp", wrongCode(user));
                assertThat(b.page().selectFirst("form#bastion-step-up-form")).as(theme).isNotNull();
                assertThat(b.page().text()).as(theme).contains("Wrong password or one-time code");
            }
        }
    }
}
