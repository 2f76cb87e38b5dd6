package org.kcbastion.it.harness;

import jakarta.ws.rs.core.Response;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Admins in master (as most operators' are) with OTP and roles on a test realm's admin client, plus a master client
 * whose direct-grant flow runs {@code bastion-step-up}, so tests can take tokens with and without a step-up. Everything
 * it creates in master is removed on {@link #close()}.
 */
public final class MasterAdmins implements AutoCloseable {

    private final KeycloakServer server;
    private final TestRealm realm;
    private final String tool;
    private final String flowAlias;
    private final String toolUuid;
    private final List<String> users = new ArrayList<>();
    private int count;

    private MasterAdmins(KeycloakServer server, TestRealm realm, String tool, String flowAlias, String toolUuid) {
        this.server = server;
        this.realm = realm;
        this.tool = tool;
        this.flowAlias = flowAlias;
        this.toolUuid = toolUuid;
    }

    public static MasterAdmins create(KeycloakServer server, TestRealm realm) {
        RealmResource master = server.admin().realm("master");
        String flowAlias = "bastion-step-up-grant-" + realm.name();
        String tool = "bastion-admin-tool-" + realm.name();
        String flowId = Flows.directGrantStepUp(master, flowAlias);
        ClientRepresentation c = new ClientRepresentation();
        c.setClientId(tool);
        c.setPublicClient(true);
        c.setDirectAccessGrantsEnabled(true);
        c.setStandardFlowEnabled(false);
        c.setAuthenticationFlowBindingOverrides(Map.of("direct_grant", flowId));
        try (Response r = master.clients().create(c)) {
            return new MasterAdmins(server, realm, tool, flowAlias, CreatedResponseUtil.getCreatedId(r));
        }
    }

    /** The public master client whose direct grant steps up. */
    public String tool() {
        return tool;
    }

    /** A new master user with OTP and the given roles of the test realm's admin client ({@code <realm>-realm}). */
    public TestRealm.User admin(String... roles) {
        return adminWith(realm.name() + "-realm", roles);
    }

    /** A new master user with OTP and the given roles of {@code adminClientId} (e.g. {@code master-realm}). */
    public TestRealm.User adminWith(String adminClientId, String... roles) {
        RealmResource master = server.admin().realm("master");
        TestRealm.User user = TestRealm.createUserIn(master, "it-admin-" + realm.name() + "-" + (++count), true);
        users.add(user.id());
        String adminClient = master.clients().findByClientId(adminClientId).get(0).getId();
        List<RoleRepresentation> reps = new ArrayList<>();
        for (String role : roles) reps.add(master.clients().get(adminClient).roles().get(role).toRepresentation());
        if (!reps.isEmpty()) master.users().get(user.id()).roles().clientLevel(adminClient).add(reps);
        return user;
    }

    /** A master user without OTP (who therefore cannot step up). */
    public TestRealm.User withoutOtp() {
        TestRealm.User user = TestRealm.createUserIn(server.admin().realm("master"),
                "it-admin-no-otp-" + realm.name() + "-" + (++count), false);
        users.add(user.id());
        return user;
    }

    /** Direct-grant step-up (password + TOTP through {@code bastion-step-up}). */
    public Oidc.Reply stepUp(TestRealm.User admin, String code) {
        return realm.oidcOf("master").passwordGrant(tool, null, admin.username(), admin.password(), "totp", code);
    }

    /** An access token whose session carries a fresh step-up. */
    public String stepUpToken(TestRealm.User admin) {
        Oidc.Reply r = stepUp(admin, Totp.now(admin.otpSecret()));
        assertThat(r.status()).as("step-up: %s", r).isEqualTo(200);
        return r.text("access_token");
    }

    /** An ordinary admin sign-in with password and OTP through admin-cli, without Bastion's step-up. */
    public String plainToken(TestRealm.User admin) {
        // The previous code leaves the current one to a step-up in the same 30 s; at a step boundary the previous code
        // falls out of Keycloak's window, and the current (then the next) one is taken instead.
        Oidc.Reply r = null;
        for (String code : new String[]{Totp.previous(admin.otpSecret()), Totp.now(admin.otpSecret()), Totp.next(admin.otpSecret())}) {
            r = realm.oidcOf("master").passwordGrant("admin-cli", null, admin.username(), admin.password(), "totp", code);
            if (r.status() == 200) break;
        }
        assertThat(r.status()).as("admin-cli sign-in: %s", r).isEqualTo(200);
        return r.text("access_token");
    }

    @Override
    public void close() {
        RealmResource master = server.admin().realm("master");
        users.forEach(id -> master.users().delete(id).close());
        master.clients().get(toolUuid).remove();
        master.flows().getFlows().stream().filter(f -> f.getAlias().equals(flowAlias))
                .forEach(f -> master.flows().deleteFlow(f.getId()));
    }
}
