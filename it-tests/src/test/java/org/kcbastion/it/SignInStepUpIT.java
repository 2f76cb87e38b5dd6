package org.kcbastion.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Chromium;
import org.kcbastion.it.harness.WithChromium;
import org.kcbastion.it.harness.Flows;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.MasterAdmins;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.TestRealm;
import org.kcbastion.it.harness.Totp;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.RealmRepresentation;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16, point 1 and 4: the sign-in is the step-up, for an RFC 9470 client that re-authenticates after
 * {@code step_up_required}, and for a master admin who impersonates a user of another realm from master's console.
 */
@BastionKeycloak
@WithChromium
@DisplayName("The sign-in is the step-up: RFC 9470 re-authentication, master admins")
class SignInStepUpIT {

    static MasterAdmins admins;

    @BeforeAll
    static void setUp(KeycloakServer server, TestRealm realm) {
        admins = MasterAdmins.create(server, realm);
        realm.setAttributes(Map.of("bastion.impersonation.requireReason", "false",
                "bastion.rateLimit.impersonation", "admin=1000/1m,ip=1000/1m,target=1000/1m"));
    }

    @AfterAll
    static void tearDown() {
        if (admins != null) admins.close();
    }

    @Nested
    @DisplayName("An RFC 9470 client")
    class Rfc9470 {

        @Test
        @DisplayName("refused with step_up_required and max_age, it re-authenticates with prompt=login and max_age=0 (password + OTP): "
                + "the new token's session is stepped up (a sign-in from the SSO cookie alone is not: ImpersonationConsoleIT)")
        void reauthenticates(KeycloakServer server, TestRealm realm) {
            realm.bindBrowserStepUpFlow();
            TestRealm.User admin = realm.createUser("rfc9470-admin", true);
            realm.grantRealmManagement(admin.id(), "impersonation", "view-users", "query-users", "manage-users");
            TestRealm.Client tool = realm.createClient("rfc9470-tool");
            TestRealm.User target = realm.createUser("rfc9470-target", false);

            // The first sign-in by password grant (admin-cli's direct grant has no bastion-step-up): not a step-up.
            Oidc.Reply plain = realm.oidc().passwordGrant(tool.clientId(), tool.secret(), admin.username(), admin.password(),
                    "totp", Totp.previous(admin.otpSecret()));
            assertThat(plain.status()).as(plain.body()).isEqualTo(200);
            Oidc.Reply refused = realm.callAs(plain.text("access_token"), "POST", "users/" + target.id() + "/impersonation", null);
            assertThat(refused.status()).as(refused.body()).isEqualTo(401);
            assertThat(refused.json().path("max_age").asInt()).isPositive();

            Oidc.Browser b = realm.oidc().browser().otpCodes(Totp::now);
            String code = b.authorize(tool.clientId(), tool.redirectUri(), admin.username(), admin.password(), admin.otpSecret(),
                    "prompt", "login", "max_age", "0").orElseThrow(() -> new AssertionError("re-authentication: " + b.page().text()));
            Oidc.Reply fresh = realm.oidc().exchangeCode(tool.clientId(), tool.secret(), code, tool.redirectUri());
            assertThat(fresh.status()).as(fresh.body()).isEqualTo(200);
            // A catalogue write (a group membership) with the same token, no further prompt; then the impersonation
            // (which ends this in-realm admin's own session, as Keycloak does).
            String group;
            try (var created = realm.admin().groups().add(group("rfc9470-group"))) {
                group = org.keycloak.admin.client.CreatedResponseUtil.getCreatedId(created);
            }
            TestRealm.User member = realm.createUser("rfc9470-member", false);
            Oidc.Reply plainWrite = realm.callAs(plain.text("access_token"), "PUT", "users/" + member.id() + "/groups/" + group, null);
            assertThat(plainWrite.status()).as("the password-grant token: " + plainWrite.body()).isEqualTo(401);
            Oidc.Reply write = realm.callAs(fresh.text("access_token"), "PUT", "users/" + member.id() + "/groups/" + group, null);
            assertThat(write.status()).as(write.body()).isEqualTo(204);
            Oidc.Reply allowed = realm.callAs(fresh.text("access_token"), "POST", "users/" + target.id() + "/impersonation", null);
            assertThat(allowed.status()).as(allowed.body()).isEqualTo(200);

        }
    }

    @Nested
    @DisplayName("A master admin")
    class Master {

        @Test
        @DisplayName("signs in to master's console with password + OTP (bastion-step-up in master's flow) and impersonates a user of "
                + "another realm without further prompt (headless Chromium)")
        void masterAdminImpersonates(KeycloakServer server, TestRealm realm, Chromium browser) {
            RealmResource master = server.admin().realm("master");
            String alias = "master-bastion-browser";
            if (master.flows().getFlows().stream().noneMatch(f -> f.getAlias().equals(alias))) Flows.browserStepUp(master, alias);
            RealmRepresentation rep = master.toRepresentation();
            String previous = rep.getBrowserFlow();
            rep.setBrowserFlow(alias);
            master.update(rep);
            TestRealm.User admin = admins.admin("impersonation", "view-users", "query-users", "view-realm");
            TestRealm.User target = realm.createUser("master-console-target", false);
            try {
                String userPage = server.baseUrl() + "/admin/master/console/#/" + realm.name() + "/users/" + target.id() + "/settings";
                browser.signIn(userPage, admin);
                browser.clickImpersonate();
                // A cross-realm admin keeps the console: Keycloak opens the target's account console in a new tab.
                browser.until("a second tab", d -> d.getWindowHandles().size() > 1);
                String console = browser.driver().getWindowHandle();
                String tab = browser.driver().getWindowHandles().stream().filter(h -> !h.equals(console)).findFirst().orElseThrow();
                browser.driver().switchTo().window(tab);
                browser.until("the account console of " + realm.name(),
                        d -> d.getCurrentUrl().contains("/realms/" + realm.name() + "/account"));
                browser.shot("09-master-admin-impersonates.png");
                assertThat(realm.admin().users().get(target.id()).getUserSessions()).hasSize(1);
                assertThat(browser.driver().switchTo().window(console).getPageSource()).doesNotContain("Could not impersonate");
            } finally {
                RealmRepresentation back = master.toRepresentation();
                back.setBrowserFlow(previous);
                master.update(back);
            }
        }
    }

    static org.keycloak.representations.idm.GroupRepresentation group(String name) {
        org.keycloak.representations.idm.GroupRepresentation g = new org.keycloak.representations.idm.GroupRepresentation();
        g.setName(name);
        return g;
    }
}
