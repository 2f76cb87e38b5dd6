package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.AuditLog;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Chromium;
import org.kcbastion.it.harness.WithChromium;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.TestRealm;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin console's own Impersonate button, in headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, which {@code .ci/run} installs): refused with the step-up message, step-up page with OTP
 * and a reason, then the same button lands in the account console as the target. Screenshots go to
 * {@code it-tests/target/screenshots/}.
 */
@BastionKeycloak
@WithChromium
@DisplayName("Admin console: Impersonate needs a step-up (headless Chromium)")
class ImpersonationConsoleIT {

    /** Set by {@link WithChromium} before every test. */
    Chromium browser;

    WebElement await(By by) {
        return browser.await(by);
    }

    void clickImpersonate() {
        browser.clickImpersonate();
    }

    @Nested
    @DisplayName("An in-realm admin with OTP, the bastion-step-up browser flow bound")
    class Console {

        @Test
        @DisplayName("the sign-in with password and OTP is the step-up: Impersonate asks only for a reason (the short step-up address, "
                + "which says how long the step-up lasts), then opens the account console as the target")
        void impersonateFromTheConsole(KeycloakServer server, TestRealm realm) {
            realm.bindBrowserStepUpFlow();
            TestRealm.User admin = realm.createUser("console-admin", true);
            realm.grantRealmManagement(admin.id(), "impersonation", "view-users", "query-users");
            TestRealm.User target = realm.createUser("console-target", false);

            String console = server.baseUrl() + "/admin/" + realm.name() + "/console/";
            String userPage = console + "#/" + realm.name() + "/users/" + target.id() + "/settings";
            browser.signIn(userPage, admin);

            clickImpersonate();
            WebElement alert = await(By.xpath("//*[contains(normalize-space(), 'Could not impersonate the user')]"));
            browser.until("the reason message", d -> d.getPageSource().contains("reason_required"));
            assertThat(browser.driver().getPageSource()).as("no step-up asked: the sign-in was one").doesNotContain("step_up_required")
                    .contains("/realms/" + realm.name() + "/bastion/step-up");
            assertThat(alert.isDisplayed()).isTrue();
            browser.shot("01-console-reason-required.png");
            assertThat(realm.admin().users().get(target.id()).getUserSessions()).isEmpty();

            browser.giveReason(server, realm.name(), "INC-42 customer cannot see invoices", "02-step-up-page-fresh.png");

            browser.get(userPage);
            clickImpersonate();
            browser.until("the account console", d -> d.getCurrentUrl().contains("/realms/" + realm.name() + "/account"));
            browser.until("the target's account",
                    d -> d.getPageSource().contains(target.username()) || d.getPageSource().contains(target.email()));
            browser.shot("03-account-console-as-target.png");

            Oidc.Reply list = realm.adminCall("GET", "bastion/impersonations", null);
            JsonNode session = StreamSupport.stream(list.json().spliterator(), false)
                    .filter(j -> j.path("user_id").asText().equals(target.id())).findFirst().orElseThrow();
            assertThat(session.path("reason").asText()).isEqualTo("INC-42 customer cannot see invoices");
            assertThat(session.path("impersonator").asText()).isEqualTo(admin.username());
            JsonNode audit = AuditLog.await(server, "impersonation_start", "user_id", target.id(), java.time.Duration.ofSeconds(30));
            assertThat(audit.path("reason").asText()).isEqualTo("INC-42 customer cannot see invoices");
        }

        @Test
        @DisplayName(
                "an admin who arrives by SSO cookie after the step-up window is asked for a step-up (the short message names the page)")
        void cookieArrivalIsAsked(KeycloakServer server, TestRealm realm) {
            realm.bindBrowserStepUpFlow();
            TestRealm.User admin = realm.createUser("console-cookie-admin", true);
            realm.grantRealmManagement(admin.id(), "impersonation", "view-users", "query-users");
            TestRealm.User target = realm.createUser("console-cookie-target", false);
            String console = server.baseUrl() + "/admin/" + realm.name() + "/console/";
            String userPage = console + "#/" + realm.name() + "/users/" + target.id() + "/settings";
            realm.setAttributes(java.util.Map.of("bastion.stepUp.maxAgeSeconds", "10"));
            try {
                browser.signIn(userPage, admin);
                long stale = System.currentTimeMillis() + 11_000;
                org.kcbastion.it.harness.Poll.untilTrue("the 10 s step-up window has passed", java.time.Duration.ofSeconds(30),
                        () -> System.currentTimeMillis() >= stale);
                // A new page load signs in again from the SSO cookie alone: that verifies nothing and records nothing.
                browser.get(userPage);
                browser.awaitConsole();
                clickImpersonate();
                await(By.xpath("//*[contains(normalize-space(), 'Could not impersonate the user')]"));
                browser.until("the step-up message", d -> d.getPageSource().contains("step_up_required"));
                assertThat(browser.driver().getPageSource())
                        .contains("Confirm your identity first", "/realms/" + realm.name() + "/bastion/step-up");
                browser.shot("01-console-step-up-required.png");
                assertThat(realm.admin().users().get(target.id()).getUserSessions()).isEmpty();
            } finally {
                java.util.Map<String, String> reset = new java.util.HashMap<>();
                reset.put("bastion.stepUp.maxAgeSeconds", null);
                realm.setAttributes(reset);
            }
        }
    }

    @Nested
    @DisplayName("The step-up page never redirects elsewhere")
    class NoOpenRedirect {

        @Test
        @DisplayName("a foreign redirect_uri, a fragment, an unknown client or another client without redirect_uri: 400 with a JSON error, "
                + "no redirect; without parameters, back to the realm's own console")
        void rejectsForeignRedirects(KeycloakServer server, TestRealm realm) {
            realm.bindBrowserStepUpFlow();
            Oidc.Browser b = realm.oidc().browser();
            String page = server.baseUrl() + "/realms/" + realm.name() + "/bastion/step-up";
            for (String query : List.of("?redirect_uri=https%3A%2F%2Fevil.example%2F",
                    "?redirect_uri=" + URLEncoder.encode(server.baseUrl() + "/admin/" + realm.name() + "/console/#/x",
                            StandardCharsets.UTF_8),
                    "?redirect_uri=" + URLEncoder.encode(server.baseUrl() + "/admin/" + realm.name() + "/console/",
                            StandardCharsets.UTF_8) + "&client_id=no-such-client",
                    "?client_id=account")) {
                var r = b.get(page + query);
                assertThat(r.statusCode()).as(query + " -> " + r.body()).isEqualTo(400);
                assertThat(r.headers().firstValue("Location")).isEmpty();
                assertThat(Oidc.parse(r.body()).path("error").asText()).isIn("invalid_redirect_uri", "invalid_client");
            }
            // Without parameters: the realm's own admin console, through the authorization endpoint.
            var http = java.net.http.HttpClient.newHttpClient();
            try {
                var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(page)).GET().build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
                assertThat(java.net.URLDecoder.decode(r.headers().firstValue("Location").orElse(""), StandardCharsets.UTF_8))
                        .contains("/realms/" + realm.name() + "/protocol/openid-connect/auth")
                        .contains("client_id=security-admin-console")
                        .contains("redirect_uri=" + server.baseUrl() + "/admin/" + realm.name() + "/console/");
            } catch (java.io.IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
