package org.kcbastion.it;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Chromium;
import org.kcbastion.it.harness.WithChromium;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "bastion-policy" tab under Realm settings (Keycloak's declarative UI; the test server runs with
 * {@code --features=declarative-ui}), in headless Chromium: saving needs a step-up like {@code PUT bastion/policy}.
 */
@BastionKeycloak
@WithChromium
@DisplayName("Admin console: the bastion-policy tab (headless Chromium)")
class PolicyConsoleIT {

    /** Set by {@link WithChromium} before every test. */
    Chromium browser;

    static String maxAge(TestRealm realm) {
        Oidc.Reply reply = realm.adminCall("GET", "bastion/policy", null);
        return reply.json().path("policy").path("bastion.stepUp.maxAgeSeconds").path("value").asText();
    }

    void setMaxAgeAndSave(String value) {
        WebElement field = browser.await(By.cssSelector("input[id*='maxAgeSeconds']"));
        field.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        field.sendKeys(value);
        browser.await(By.cssSelector("[data-testid=save]")).click();
    }

    @Nested
    @DisplayName("A realm admin with manage-realm and OTP")
    class Tab {

        @Test
        @DisplayName("saving on a stale step-up (SSO cookie only) is refused with the step-up message; "
                + "after the step-up page it is stored and GET policy shows it")
        void editPolicyInTheConsole(KeycloakServer server, TestRealm realm) {
            realm.bindBrowserStepUpFlow();
            TestRealm.User admin = realm.createUser("policy-admin", true);
            realm.grantRealmManagement(admin.id(), "manage-realm", "view-realm");
            String tab = server.baseUrl() + "/admin/" + realm.name() + "/console/#/" + realm.name() + "/realm-settings/bastion-policy";

            // The sign-in with password and OTP is a step-up: let it go stale (a 10 s window), then come back by SSO cookie.
            realm.setAttributes(java.util.Map.of("bastion.stepUp.maxAgeSeconds", "10", "bastion.stepUp.writesMaxAgeSeconds", "10"));
            String code = browser.signIn(tab, admin);
            long stale = System.currentTimeMillis() + 11_000;
            Poll.untilTrue("the 10 s step-up window has passed", Duration.ofSeconds(30), () -> System.currentTimeMillis() >= stale);
            browser.get(tab);
            browser.awaitConsole();
            setMaxAgeAndSave("180");
            browser.until("the refusal", d -> d.getPageSource().contains("step_up_required"));
            browser.shot("05-policy-tab-step-up-required.png");
            assertThat(maxAge(realm)).as("nothing stored").isEqualTo("10");
            java.util.Map<String, String> reset = new java.util.HashMap<>();
            reset.put("bastion.stepUp.maxAgeSeconds", null);
            reset.put("bastion.stepUp.writesMaxAgeSeconds", null);
            realm.setAttributes(reset);

            browser.stepUp(server, realm.name(), admin, code, null, null);
            browser.get(tab);
            setMaxAgeAndSave("180");
            String alert = browser.await(By.cssSelector("[class*='c-alert__title']")).getText();
            browser.shot("04-policy-tab.png");
            assertThat(alert).as("the console's answer to Save").doesNotContainIgnoringCase("error");
            try {
                Poll.untilTrue("GET policy shows the value saved in the tab", Duration.ofSeconds(30), () -> "180".equals(maxAge(realm)));
            } catch (AssertionError e) {
                browser.shot("policy-tab-failure.png");
                throw e;
            }

            // The read-only console page: posture report and effective policy, signed in by the console's SSO cookie.
            browser.get(server.baseUrl() + "/realms/" + realm.name() + "/bastion/console");
            WebElement bruteForce = browser.await(By.cssSelector("#bastion-posture tr[data-check='brute-force-detection']"));
            assertThat(bruteForce.getText()).contains("fail");
            assertThat(browser.await(By.id("bastion-policy")).getText()).contains("bastion.stepUp.maxAgeSeconds", "180");
            browser.shot("07-posture-page.png");
        }

        @Test
        @DisplayName("the console page without a signed-in admin: 401 page, no report")
        void consolePageNeedsSignIn(KeycloakServer server, TestRealm realm) throws Exception {
            var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(server.baseUrl() + "/realms/" + realm.name() + "/bastion/console")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).contains("Sign in").doesNotContain("bastion-posture");
        }
    }

    @Nested
    @DisplayName("Alert emails as the user sees them")
    class AlertEmail {

        @Test
        @DisplayName("the credential-change alert renders as HTML with the account, the admin and the signed-out sessions")
        void alertRendersAsHtml(TestRealm realm) throws java.io.IOException {
            TestRealm.User user = realm.createUser("alert-reader", false);
            TestRealm.Client app = realm.createClient("alert-app");
            realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
            realm.admin().users().get(user.id()).resetPassword(TestRealm.password("Another-Horse-43", true));

            String html = org.kcbastion.it.harness.MailServer.html(realm.mail().awaitMessageTo(user.email(), Duration.ofSeconds(30)));
            assertThat(html).contains(user.username(), "admin", "1 active session(s)");
            java.nio.file.Path file = Chromium.SHOTS.resolve("alert-email.html").toAbsolutePath();
            java.nio.file.Files.writeString(file, html);
            browser.get(file.toUri().toString());
            browser.await(By.tagName("table"));
            browser.shot("06-alert-email.png");
        }
    }
}
