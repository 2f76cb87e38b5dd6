package org.kcbastion.it;

import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Flows;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.TestRealm;
import org.kcbastion.it.harness.Totp;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15, point 4: from a fresh server's admin without a second factor to a stepped-up admin. The admin cannot
 * step up (clear message, no bypass) and every catalogue write is refused; the admin enrols an authenticator app
 * through Keycloak's own Configure OTP action (application-initiated, {@code kc_action=CONFIGURE_TOTP}: no admin-API
 * write, so sudo mode does not stand in the way), then steps up and writes. Once for an admin of master (as the
 * bootstrap admin is) and once for a realm's own admin.
 */
@BastionKeycloak
@DisplayName("Bootstrap: an admin without a second factor enrols one, then steps up")
class BootstrapIT {

    /** A confidential client in {@code realm} for the sign-in, and a public one whose direct grant runs bastion-step-up. */
    record Clients(String app, String secret, String redirect, String stepUpTool) {
    }

    static Clients clients(RealmResource realm, String suffix) {
        String app = "bootstrap-app-" + suffix;
        String secret = "secret-" + UUID.randomUUID();
        String redirect = "http://127.0.0.1/it/" + app + "/callback";
        ClientRepresentation c = new ClientRepresentation();
        c.setClientId(app);
        c.setSecret(secret);
        c.setPublicClient(false);
        c.setStandardFlowEnabled(true);
        c.setRedirectUris(List.of(redirect));
        realm.clients().create(c).close();
        String flowAlias = "bootstrap-step-up-" + suffix;
        String flowId = Flows.directGrantStepUp(realm, flowAlias);
        String tool = "bootstrap-tool-" + suffix;
        ClientRepresentation t = new ClientRepresentation();
        t.setClientId(tool);
        t.setPublicClient(true);
        t.setDirectAccessGrantsEnabled(true);
        t.setStandardFlowEnabled(false);
        t.setAuthenticationFlowBindingOverrides(Map.of("direct_grant", flowId));
        realm.clients().create(t).close();
        return new Clients(app, secret, redirect, tool);
    }

    /** Runs Keycloak's Configure OTP page for a signed-in user; returns the secret it registered. */
    static String enrolOtp(Oidc oidc, Clients c, TestRealm.User admin) {
        Oidc.Browser b = oidc.browser();
        b.open(c.app(), c.redirect(), "kc_action", "CONFIGURE_TOTP");
        b.submit("username", admin.username(), "password", admin.password());
        Document page = b.page();
        Element secretField = page.selectFirst("input[name=totpSecret]");
        assertThat(secretField).as("Keycloak's Configure OTP page: " + page.text()).isNotNull();
        String secret = secretField.attr("value");
        b.submit("totp", Totp.now(secret), "userLabel", "bootstrap phone");
        assertThat(b.code(c.redirect())).as("back at the app after enrolment: " + b.page().text()).isPresent();
        return secret;
    }

    static void assertBootstrapPath(TestRealm realm, RealmResource adminRealm, Oidc adminOidc, String adminRealmName,
                                    TestRealm.User admin, Clients c) {
        String victimRole = "bootstrap-role-" + UUID.randomUUID().toString().substring(0, 6);
        RoleRepresentation role = new RoleRepresentation();
        role.setName(victimRole);
        realm.admin().roles().create(role);
        String roleId = realm.admin().roles().get(victimRole).toRepresentation().getId();
        String target = realm.createUser("bootstrap-target-" + victimRole, false).id();
        String grant = "[{\"id\": \"" + roleId + "\", \"name\": \"" + victimRole + "\"}]";

        Oidc.Reply plain = adminOidc.passwordGrant("admin-cli", null, admin.username(), admin.password());
        assertThat(plain.status()).as(plain.body()).isEqualTo(200);
        Oidc.Reply refused = realm.callAs(plain.text("access_token"), "POST", "users/" + target + "/role-mappings/realm", grant);
        assertThat(refused.status()).as(refused.body()).isEqualTo(401);
        assertThat(refused.text("step_up_url")).contains("/realms/" + adminRealmName + "/bastion/step-up");

        Oidc.Reply noFactor = adminOidc.passwordGrant(c.stepUpTool(), null, admin.username(), admin.password(), "totp", "000000");
        assertThat(noFactor.status()).as("no second factor, no step-up: " + noFactor.body()).isIn(400, 401);
        assertThat(noFactor.text("error_description")).as(noFactor.body()).containsIgnoringCase("second factor");

        String secret = enrolOtp(adminOidc, c, admin);
        Oidc.Reply stepUp = adminOidc.passwordGrant(c.stepUpTool(), null, admin.username(), admin.password(), "totp", Totp.next(secret));
        assertThat(stepUp.status()).as(stepUp.body()).isEqualTo(200);
        Oidc.Reply allowed = realm.callAs(stepUp.text("access_token"), "POST", "users/" + target + "/role-mappings/realm", grant);
        assertThat(allowed.status()).as(allowed.body()).isEqualTo(204);
        assertThat(realm.admin().users().get(target).roles().realmLevel().listAll().stream().map(RoleRepresentation::getName))
                .contains(victimRole);
    }

    @Nested
    @DisplayName("Master")
    class Master {

        @Test
        @DisplayName("a master admin without OTP (as the bootstrap admin is): refused, cannot step up, enrols OTP, steps up, writes")
        void masterAdmin(KeycloakServer server, TestRealm realm) {
            RealmResource master = server.admin().realm("master");
            TestRealm.User admin = TestRealm.createUserIn(master, "bootstrap-like-" + UUID.randomUUID().toString().substring(0, 6), false);
            master.users().get(admin.id()).roles().realmLevel().add(List.of(master.roles().get("admin").toRepresentation()));
            Clients c = clients(master, "master-" + admin.username());
            try {
                assertBootstrapPath(realm, master, realm.oidcOf("master"), "master", admin, c);
            } finally {
                master.users().delete(admin.id()).close();
                for (String id : List.of(c.app(), c.stepUpTool())) {
                    master.clients().findByClientId(id).forEach(x -> master.clients().get(x.getId()).remove());
                }
            }
        }
    }

    @Nested
    @DisplayName("A realm's own admin")
    class RealmAdmin {

        @Test
        @DisplayName("an in-realm realm-admin without OTP: refused, cannot step up, enrols OTP, steps up, writes")
        void realmAdmin(TestRealm realm) {
            TestRealm.User admin = realm.createUser("own-admin", false);
            realm.grantRealmManagement(admin.id(), "realm-admin");
            Clients c = clients(realm.admin(), "own");
            assertBootstrapPath(realm, realm.admin(), realm.oidc(), realm.name(), admin, c);
        }
    }
}
