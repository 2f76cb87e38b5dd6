package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.AuditLog;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Flows;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.TestRealm;
import org.kcbastion.it.harness.Totp;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.keycloak.representations.idm.RealmRepresentation;

import java.io.File;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
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
@DisplayName("Admin console: Impersonate needs a step-up (headless Chromium)")
class ImpersonationConsoleIT {

    static final Path SHOTS = Path.of("target", "screenshots");
    static final Duration UI = Duration.ofSeconds(45);
    WebDriver driver;

    @BeforeEach
    void chromium() throws IOException {
        File browser = new File(System.getProperty("it.chromium", "/usr/bin/chromium"));
        File chromedriver = new File(System.getProperty("it.chromedriver", "/usr/bin/chromedriver"));
        assertThat(browser.canExecute()).as("Chromium at %s (Debian package chromium; .ci/run installs it)", browser).isTrue();
        assertThat(chromedriver.canExecute()).as("ChromeDriver at %s (Debian package chromium-driver; .ci/run installs it)", chromedriver).isTrue();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browser);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1000", "--lang=en-US",
                "--user-data-dir=" + Files.createTempDirectory("bastion-chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        Files.createDirectories(SHOTS);
    }

    @AfterEach
    void quit() {
        if (driver != null) driver.quit();
    }

    void shot(String name) throws IOException {
        File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    WebElement await(By by) {
        return new WebDriverWait(driver, UI).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    void clickImpersonate() {
        await(By.cssSelector("[data-testid=action-dropdown]")).click();
        await(By.xpath("//*[@role='menuitem' or self::button][normalize-space()='Impersonate']")).click();
        await(By.cssSelector("[data-testid=confirm]")).click();
    }

    @Nested
    @DisplayName("An in-realm admin with OTP, the bastion-step-up browser flow bound")
    class Console {

        @Test
        @DisplayName("Impersonate is refused with the step-up message; after the step-up page the same button opens the account console as the target")
        void impersonateFromTheConsole(KeycloakServer server, TestRealm realm) throws IOException {
            Flows.browserStepUp(realm.admin(), "bastion-browser-step-up");
            RealmRepresentation rep = realm.admin().toRepresentation();
            rep.setBrowserFlow("bastion-browser-step-up");
            realm.admin().update(rep);
            TestRealm.User admin = realm.createUser("console-admin", true);
            String rm = realm.admin().clients().findByClientId("realm-management").get(0).getId();
            realm.admin().users().get(admin.id()).roles().clientLevel(rm).add(List.of(
                    realm.admin().clients().get(rm).roles().get("impersonation").toRepresentation(),
                    realm.admin().clients().get(rm).roles().get("view-users").toRepresentation(),
                    realm.admin().clients().get(rm).roles().get("query-users").toRepresentation()));
            TestRealm.User target = realm.createUser("console-target", false);

            String console = server.baseUrl() + "/admin/" + realm.name() + "/console/";
            String userPage = console + "#/" + realm.name() + "/users/" + target.id() + "/settings";
            driver.get(userPage);
            await(By.id("username")).sendKeys(admin.username());
            driver.findElement(By.id("password")).sendKeys(admin.password());
            driver.findElement(By.id("kc-login")).click();
            String firstCode = Totp.now(admin.otpSecret());
            await(By.id("otp")).sendKeys(firstCode);
            driver.findElement(By.id("kc-login")).click();

            clickImpersonate();
            WebElement alert = await(By.xpath("//*[contains(normalize-space(), 'Could not impersonate the user')]"));
            new WebDriverWait(driver, UI).until(d -> d.getPageSource().contains("step_up_required"));
            assertThat(driver.getPageSource()).contains("Confirm your identity first", "/realms/" + realm.name() + "/bastion/step-up");
            assertThat(alert.isDisplayed()).isTrue();
            shot("01-console-step-up-required.png");
            assertThat(realm.admin().users().get(target.id()).getUserSessions()).isEmpty();

            driver.get(server.baseUrl() + "/realms/" + realm.name() + "/bastion/step-up?redirect_uri="
                    + URLEncoder.encode(console, StandardCharsets.UTF_8));
            await(By.id("bastion-step-up-form"));
            driver.findElement(By.id("password")).sendKeys(admin.password());
            String secondCode = Totp.now(admin.otpSecret());
            driver.findElement(By.id("otp")).sendKeys(secondCode.equals(firstCode) ? Totp.next(admin.otpSecret()) : secondCode);
            driver.findElement(By.id("reason")).sendKeys("INC-42 customer cannot see invoices");
            shot("02-step-up-page.png");
            driver.findElement(By.id("bastion-step-up-submit")).click();
            new WebDriverWait(driver, UI).until(d -> d.getCurrentUrl().startsWith(console));

            driver.get(userPage);
            clickImpersonate();
            new WebDriverWait(driver, UI).until(d -> d.getCurrentUrl().contains("/realms/" + realm.name() + "/account"));
            new WebDriverWait(driver, UI).until(d -> d.getPageSource().contains(target.username()) || d.getPageSource().contains(target.email()));
            shot("03-account-console-as-target.png");

            Oidc.Reply list = realm.adminCall("GET", "bastion/impersonations", null);
            JsonNode session = StreamSupport.stream(list.json().spliterator(), false)
                    .filter(j -> j.path("user_id").asText().equals(target.id())).findFirst().orElseThrow();
            assertThat(session.path("reason").asText()).isEqualTo("INC-42 customer cannot see invoices");
            assertThat(session.path("impersonator").asText()).isEqualTo(admin.username());
            JsonNode audit = AuditLog.await(server, "impersonation_start", "user_id", target.id(), UI);
            assertThat(audit.path("reason").asText()).isEqualTo("INC-42 customer cannot see invoices");
        }
    }

    @Nested
    @DisplayName("The step-up page never redirects elsewhere")
    class NoOpenRedirect {

        @Test
        @DisplayName("a foreign redirect_uri, a fragment or an unknown client: 400 with a JSON error, no redirect")
        void rejectsForeignRedirects(KeycloakServer server, TestRealm realm) {
            Oidc.Browser b = realm.oidc().browser();
            String page = server.baseUrl() + "/realms/" + realm.name() + "/bastion/step-up";
            for (String query : List.of("?redirect_uri=https%3A%2F%2Fevil.example%2F",
                    "?redirect_uri=" + URLEncoder.encode(server.baseUrl() + "/admin/" + realm.name() + "/console/#/x", StandardCharsets.UTF_8),
                    "?redirect_uri=" + URLEncoder.encode(server.baseUrl() + "/admin/" + realm.name() + "/console/", StandardCharsets.UTF_8) + "&client_id=no-such-client",
                    "")) {
                var r = b.get(page + query);
                assertThat(r.statusCode()).as(query + " -> " + r.body()).isEqualTo(400);
                assertThat(r.headers().firstValue("Location")).isEmpty();
                assertThat(Oidc.parse(r.body()).path("error").asText()).isIn("invalid_redirect_uri", "invalid_client");
            }
        }
    }
}
