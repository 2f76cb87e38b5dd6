package org.kcbastion.it.harness;

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

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Headless Debian Chromium through Debian's chromedriver (no driver download), with the few moves the console tests
 * need. Waits poll with a deadline. Screenshots land in {@code it-tests/target/screenshots/}.
 */
public final class Chromium implements AutoCloseable {

    public static final Path SHOTS = Path.of("target", "screenshots");
    private static final Duration UI = Duration.ofSeconds(45);
    private final WebDriver driver;

    private Chromium(WebDriver driver) {
        this.driver = driver;
    }

    /** Starts the browser; fails (never skips) when Chromium or chromedriver is missing. */
    public static Chromium start() {
        File browser = new File(System.getProperty("it.chromium", "/usr/bin/chromium"));
        File chromedriver = new File(System.getProperty("it.chromedriver", "/usr/bin/chromedriver"));
        assertThat(browser.canExecute()).as("Chromium at %s (Debian package chromium; .ci/run installs it)", browser).isTrue();
        assertThat(chromedriver.canExecute())
                .as("ChromeDriver at %s (Debian package chromium-driver; .ci/run installs it)", chromedriver).isTrue();
        try {
            Files.createDirectories(SHOTS);
            ChromeOptions options = new ChromeOptions();
            options.setBinary(browser);
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--window-size=1400,1000", "--lang=en-US",
                    "--user-data-dir=" + Files.createTempDirectory("bastion-chromium"));
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver).usingAnyFreePort().build();
            return new Chromium(new ChromeDriver(service, options));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** After a test: keeps the last page (screenshot and HTML, named after the test method) and quits; null is fine. */
    static void finish(Chromium browser, String testMethod) {
        if (browser == null) return;
        try {
            browser.keepLastPage("last-" + testMethod);
        } finally {
            browser.close();
        }
    }

    public WebDriver driver() {
        return driver;
    }

    public void get(String url) {
        driver.get(url);
    }

    public WebElement await(By by) {
        return new WebDriverWait(driver, UI).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    public void until(String what, Function<WebDriver, Boolean> condition) {
        new WebDriverWait(driver, UI).withMessage(what).until(condition::apply);
    }

    public void shot(String name) {
        File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        try {
            Files.copy(png.toPath(), SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Saves a screenshot and the HTML of the page the browser is on, for a failed test's diagnosis. */
    public void keepLastPage(String name) {
        try {
            shot(name + ".png");
            Files.writeString(SHOTS.resolve(name + ".html"), driver.getCurrentUrl() + "\n" + driver.getPageSource());
        } catch (RuntimeException | IOException e) {
            // The browser may be gone; the test's own outcome matters more.
        }
    }

    /** Opens {@code url} (a console page) and signs in on Keycloak's login and OTP forms; returns the OTP code used. */
    public String signIn(String url, TestRealm.User user) {
        driver.get(url);
        await(By.id("username")).sendKeys(user.username());
        driver.findElement(By.id("password")).sendKeys(user.password());
        driver.findElement(By.id("kc-login")).click();
        String code = Totp.now(user.otpSecret());
        await(By.id("otp")).sendKeys(code);
        driver.findElement(By.id("kc-login")).click();
        awaitConsole();
        return code;
    }

    /**
     * Goes through Bastion's step-up page for the realm's admin console, with a code other than {@code usedCode}, and
     * waits until the browser is back in the console.
     */
    public void stepUp(KeycloakServer server, String realm, TestRealm.User user, String usedCode, String reason, String screenshot) {
        String console = server.baseUrl() + "/admin/" + realm + "/console/";
        driver.get(server.baseUrl() + "/realms/" + realm + "/bastion/step-up?redirect_uri="
                + URLEncoder.encode(console, StandardCharsets.UTF_8));
        until("the step-up page", d -> !d.findElements(By.id("bastion-step-up-form")).isEmpty()
                || !d.findElements(By.id("bastion-step-up-again")).isEmpty());
        if (!driver.findElements(By.id("bastion-step-up-again")).isEmpty()) driver.findElement(By.id("bastion-step-up-again")).click();
        await(By.id("bastion-step-up-form"));
        driver.findElement(By.id("password")).sendKeys(user.password());
        String code = Totp.now(user.otpSecret());
        driver.findElement(By.id("otp")).sendKeys(code.equals(usedCode) ? Totp.next(user.otpSecret()) : code);
        if (reason != null) driver.findElement(By.id("reason")).sendKeys(reason);
        if (screenshot != null) shot(screenshot);
        driver.findElement(By.id("bastion-step-up-submit")).click();
        until("back in the console", d -> d.getCurrentUrl().startsWith(console));
        awaitConsole();
    }

    /**
     * Opens the short step-up address while the admin's step-up is still fresh: the page tells how long it stays
     * valid and asks only for the reason, then returns to the console.
     */
    public void giveReason(KeycloakServer server, String realm, String reason, String screenshot) {
        String console = server.baseUrl() + "/admin/" + realm + "/console/";
        driver.get(server.baseUrl() + "/realms/" + realm + "/bastion/step-up");
        await(By.id("bastion-step-up-fresh"));
        driver.findElement(By.id("reason")).sendKeys(reason);
        if (screenshot != null) shot(screenshot);
        driver.findElement(By.id("bastion-step-up-continue")).click();
        until("back in the console", d -> d.getCurrentUrl().startsWith(console));
        awaitConsole();
    }

    /** On a user's page in the admin console: Action → Impersonate → Confirm. */
    public void clickImpersonate() {
        await(By.cssSelector("[data-testid=action-dropdown]")).click();
        await(By.xpath("//*[@role='menuitem' or self::button][normalize-space()='Impersonate']")).click();
        await(By.cssSelector("[data-testid=confirm]")).click();
    }

    /**
     * Waits until the admin console has finished signing in and rendered its masthead: navigating away earlier races
     * with keycloak-js's own redirect, which would land on the console's start page instead.
     */
    public void awaitConsole() {
        until("the admin console rendered",
                d -> !d.findElements(By.cssSelector("[data-testid='page-header'], .pf-v5-c-masthead")).isEmpty());
    }

    @Override
    public void close() {
        driver.quit();
    }
}
