package org.kcbastion.it;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Chromium;
import org.kcbastion.it.harness.WithChromium;
import org.kcbastion.it.harness.Flows;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.TestRealm;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.openqa.selenium.By;
import org.openqa.selenium.virtualauthenticator.HasVirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16, point 2: a security key as second factor, in headless Chromium with its WebAuthn virtual authenticator.
 * The admin registers the key through Keycloak's own required action (a registration is not an authentication, so it
 * records no step-up), is asked for a step-up, re-authenticates with password and key through the short step-up
 * address (Bastion sends a WebAuthn user through a forced re-authentication of the realm's own flow), and impersonates.
 * WebAuthn needs a host name, not an IP address, as relying party: the browser uses {@code localhost}.
 */
@BastionKeycloak
@WithChromium
@DisplayName("Step-up with a security key (WebAuthn, headless Chromium)")
class PasskeyIT {

    /** Set by {@link WithChromium} before every test. */
    Chromium browser;

    /**
     * Binds {@code alias} as the browser flow: cookie, or the forms {@code forms} adds to its sub-flow; then
     * bastion-step-up. Built once per realm.
     */
    static void bindFlow(TestRealm realm, String alias, java.util.function.Consumer<String> forms) {
        if (realm.admin().flows().getFlows().stream().noneMatch(f -> f.getAlias().equals(alias))) {
            Flows.create(realm.admin(), alias);
            Flows.addSubflow(realm.admin(), alias, alias + "-sign-in", "REQUIRED");
            Flows.addExecution(realm.admin(), alias + "-sign-in", "auth-cookie", "ALTERNATIVE");
            Flows.addSubflow(realm.admin(), alias + "-sign-in", alias + "-forms", "ALTERNATIVE");
            forms.accept(alias + "-forms");
            Flows.addExecution(realm.admin(), alias, "bastion-step-up", "REQUIRED");
        }
        RealmRepresentation rep = realm.admin().toRepresentation();
        rep.setBrowserFlow(alias);
        realm.admin().update(rep);
    }

    /** An admin who may impersonate and must register a WebAuthn credential ({@code requiredAction}) at the next sign-in. */
    static TestRealm.User admin(TestRealm realm, String username, String requiredAction) {
        realm.setAttributes(Map.of("bastion.impersonation.requireReason", "false"));
        TestRealm.User admin = realm.createUser(username, false);
        realm.grantRealmManagement(admin.id(), "impersonation", "view-users", "query-users");
        UserRepresentation rep = realm.admin().users().get(admin.id()).toRepresentation();
        rep.setRequiredActions(List.of(requiredAction));
        realm.admin().users().get(admin.id()).update(rep);
        return admin;
    }

    void addAuthenticator(VirtualAuthenticatorOptions.Transport transport) {
        ((HasVirtualAuthenticator) browser.driver()).addVirtualAuthenticator(new VirtualAuthenticatorOptions()
                .setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2).setTransport(transport)
                .setHasResidentKey(true).setHasUserVerification(true).setIsUserVerified(true).setIsUserConsenting(true));
    }

    @Nested
    @DisplayName("Security key as second factor")
    class SecurityKey {

        @Test
        @DisplayName("register the key, get asked for a step-up, step up with password and key at the short address, impersonate")
        void stepUpWithSecurityKey(KeycloakServer server, TestRealm realm) {
            bindFlow(realm, "bastion-security-key", forms -> {
                Flows.addExecution(realm.admin(), forms, "auth-username-password-form", "REQUIRED");
                Flows.addExecution(realm.admin(), forms, "webauthn-authenticator", "REQUIRED");
            });
            TestRealm.User admin = admin(realm, "key-admin", "webauthn-register");
            TestRealm.User target = realm.createUser("key-target", false);
            addAuthenticator(VirtualAuthenticatorOptions.Transport.USB);
            String base = localhost(server);
            String userPage = userPage(server, realm, target);

            browser.get(userPage);
            browser.await(By.id("username")).sendKeys(admin.username());
            browser.driver().findElement(By.id("password")).sendKeys(admin.password());
            browser.driver().findElement(By.id("kc-login")).click();
            registerKey(realm, admin, "webauthn");

            browser.clickImpersonate();
            browser.until("the step-up message", d -> d.getPageSource().contains("step_up_required"));
            assertThat(realm.admin().users().get(target.id()).getUserSessions()).as("registering a key is no step-up").isEmpty();

            browser.get(base + "/realms/" + realm.name() + "/bastion/step-up");
            browser.await(By.id("password")).sendKeys(admin.password());
            browser.driver().findElement(By.id("kc-login")).click();
            browser.until("the security-key page or the console", d -> !d.findElements(By.id("authenticateWebAuthnButton")).isEmpty()
                    || d.getCurrentUrl().startsWith(base + "/admin/"));
            if (!browser.driver().findElements(By.id("authenticateWebAuthnButton")).isEmpty()) {
                browser.shot("08-step-up-security-key.png");
                browser.driver().findElement(By.id("authenticateWebAuthnButton")).click();
            }
            impersonateFromConsole(base, userPage, realm, target);
            assertThat(org.kcbastion.it.harness.AuditLog
                    .await(server, "impersonation_start", "user_id", target.id(), Duration.ofSeconds(30))
                    .path("impersonator").asText()).isEqualTo(admin.username());
        }
    }

    @Nested
    @DisplayName("Passwordless passkey with user verification")
    class Passkey {

        @Test
        @DisplayName("a passkey sign-in without password (the realm's passwordless policy requires user verification) counts as both "
                + "factors: step up, impersonate")
        void stepUpWithPasskey(KeycloakServer server, TestRealm realm) {
            RealmRepresentation realmRep = realm.admin().toRepresentation();
            realmRep.setWebAuthnPolicyPasswordlessUserVerificationRequirement("required");
            realm.admin().update(realmRep);
            bindFlow(realm, "bastion-passkey", forms -> {
                Flows.addExecution(realm.admin(), forms, "auth-username-form", "REQUIRED");
                // A passkey, or the password for a user who has none yet (Keycloak will not let a passkey-only step
                // enrol one); the passkey is registered through the required action afterwards.
                Flows.addSubflow(realm.admin(), forms, forms + "-factor", "REQUIRED");
                Flows.addExecution(realm.admin(), forms + "-factor", "webauthn-authenticator-passwordless", "ALTERNATIVE");
                Flows.addExecution(realm.admin(), forms + "-factor", "auth-password-form", "ALTERNATIVE");
            });
            TestRealm.User admin = admin(realm, "passkey-admin", "webauthn-register-passwordless");
            TestRealm.User target = realm.createUser("passkey-target", false);
            addAuthenticator(VirtualAuthenticatorOptions.Transport.INTERNAL);
            String base = localhost(server);
            String userPage = userPage(server, realm, target);

            // First sign-in: username, then the passkey registration (a required action: no step-up).
            browser.get(userPage);
            browser.await(By.id("username")).sendKeys(admin.username());
            browser.driver().findElement(By.id("kc-login")).click();
            browser.await(By.id("password")).sendKeys(admin.password());
            browser.driver().findElement(By.id("kc-login")).click();
            registerKey(realm, admin, "webauthn-passwordless");
            browser.clickImpersonate();
            browser.until("the step-up message", d -> d.getPageSource().contains("step_up_required"));
            // The user's first credential is the one Keycloak offers first among alternatives: the passkey.
            String passkey = realm.admin().users().get(admin.id()).credentials().stream()
                    .filter(c -> "webauthn-passwordless".equals(c.getType())).findFirst().orElseThrow().getId();
            realm.admin().users().get(admin.id()).moveCredentialToFirst(passkey);

            browser.get(base + "/realms/" + realm.name() + "/bastion/step-up");
            browser.until("the passkey page", d -> !d.findElements(By.id("authenticateWebAuthnButton")).isEmpty()
                    || !d.findElements(By.id("kc-login")).isEmpty());
            assertThat(browser.driver().findElements(By.id("password"))).as("no password asked").isEmpty();
            if (browser.driver().findElements(By.id("authenticateWebAuthnButton")).isEmpty()) {
                browser.driver().findElement(By.id("kc-login")).click();
            }
            browser.await(By.id("authenticateWebAuthnButton")).click();
            impersonateFromConsole(base, userPage, realm, target);
        }
    }

    /** WebAuthn needs a host name, not an IP address, as relying party. */
    static String localhost(KeycloakServer server) {
        return server.baseUrl().replace("127.0.0.1", "localhost");
    }

    static String userPage(KeycloakServer server, TestRealm realm, TestRealm.User target) {
        return localhost(server) + "/admin/" + realm.name() + "/console/#/" + realm.name() + "/users/" + target.id() + "/settings";
    }

    /** The key registration Keycloak asks for at the first sign-in (a required action, no step-up), then the console. */
    void registerKey(TestRealm realm, TestRealm.User admin, String credentialType) {
        browser.await(By.id("registerWebAuthn")).click();
        acceptLabelPrompt();
        browser.awaitConsole();
        assertThat(realm.admin().users().get(admin.id()).credentials().stream().map(CredentialRepresentation::getType))
                .contains(credentialType);
    }

    /** Back from the step-up in the console: the target's Impersonate button now opens the account console as the target. */
    void impersonateFromConsole(String base, String userPage, TestRealm realm, TestRealm.User target) {
        browser.until("back in the console", d -> d.getCurrentUrl().startsWith(base + "/admin/"));
        browser.awaitConsole();
        browser.get(userPage);
        browser.awaitConsole();
        browser.clickImpersonate();
        browser.until("the account console", d -> d.getCurrentUrl().contains("/realms/" + realm.name() + "/account"));
        assertThat(realm.admin().users().get(target.id()).getUserSessions()).hasSize(1);
    }

    void acceptLabelPrompt() {
        browser.until("the label prompt", d -> {
            try {
                d.switchTo().alert().accept();
                return true;
            } catch (org.openqa.selenium.NoAlertPresentException e) {
                return false;
            }
        });
    }
}
