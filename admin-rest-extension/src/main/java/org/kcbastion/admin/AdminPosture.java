package org.kcbastion.admin;

import org.kcbastion.admin.PostureReport.Check;
import org.kcbastion.core.StepUpPage;
import org.kcbastion.core.BastionPolicy;
import org.keycloak.models.ClientModel;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.kcbastion.admin.PostureReport.names;
import static org.kcbastion.admin.PostureReport.pass;

/**
 * The posture report's checks about a realm's admins: who they are (role holders and group members), whether they
 * can step up (second factor, local password, the console flow), who may impersonate, which service accounts act as
 * admins.
 */
final class AdminPosture {

    private static final Set<String> SECOND_FACTORS = Set.of("otp", "webauthn", "webauthn-passwordless");

    private final KeycloakSession session;
    private final RealmModel realm;
    private final BastionPolicy policy;

    AdminPosture(KeycloakSession session, RealmModel realm, BastionPolicy policy) {
        this.session = session;
        this.realm = realm;
        this.policy = policy;
    }

    Check withoutSecondFactor() {
        List<String> without = adminUsers().stream()
                .filter(u -> u.credentialManager().getStoredCredentialsStream().noneMatch(c -> SECOND_FACTORS.contains(c.getType())))
                .map(UserModel::getUsername).sorted().toList();
        if (without.isEmpty()) return pass("admins-second-factor", "high", "Every admin of this realm has a second factor");
        return new Check("admins-second-factor", "high", "fail", without.size() + " admin(s) (direct holders and group members) "
                + "without OTP or passkey, who therefore cannot step up: " + names(without),
                "Have each admin register OTP or a passkey (required action Configure OTP / Webauthn Register)");
    }

    /**
     * Service accounts holding admin roles of this realm (directly, through composites or groups): they pass sudo mode
     * without a step-up unless {@code bastion.stepUp.serviceAccounts=deny}, so how they authenticate matters.
     */
    Check serviceAccounts() {
        ClientModel management = realm.getClientByClientId("realm-management");
        List<String> found = new ArrayList<>();
        boolean secretBased = false;
        if (management != null) {
            for (ClientModel client : realm.getClientsStream().filter(ClientModel::isServiceAccountsEnabled).toList()) {
                UserModel account = session.users().getServiceAccount(client);
                if (account == null) continue;
                boolean admin = management.getRolesStream().anyMatch(account::hasRole);
                if (!admin) continue;
                String auth = client.getClientAuthenticatorType();
                boolean secret = auth == null || auth.equals("client-secret");
                secretBased |= secret;
                found.add(client.getClientId() + " (" + (secret ? "client secret" : auth) + ")");
            }
        }
        found.sort(null);
        if (found.isEmpty()) return pass("admin-service-accounts", "medium", "No service account holds admin roles in this realm");
        String mode = policy.stepUpDenyServiceAccounts() ? "refused privileged writes (serviceAccounts=deny)"
                : "allowed privileged writes without a step-up (serviceAccounts=allow)";
        return new Check("admin-service-accounts", "medium", secretBased && !policy.stepUpDenyServiceAccounts() ? "warn" : "pass",
                found.size() + " service account(s) with admin roles, " + mode + ": " + names(found),
                "Authenticate them with a signed JWT or mTLS rather than a secret, grant the fewest roles, "
                        + "and set bastion.stepUp.serviceAccounts=deny where no automation writes");
    }

    Check impersonationHolders() {
        ClientModel management = realm.getClientByClientId("realm-management");
        RoleModel impersonation = management == null ? null : management.getRole("impersonation");
        if (impersonation == null) return pass("impersonation-holders", "medium", "No impersonation role in this realm");
        List<String> holders = adminUsers().stream().filter(u -> u.hasRole(impersonation)).map(UserModel::getUsername).sorted().toList();
        if (holders.isEmpty()) return pass("impersonation-holders", "medium", "Nobody in this realm can impersonate");
        return new Check("impersonation-holders", "medium", "warn", holders.size() + " user(s) can impersonate: " + names(holders),
                "Keep the impersonation role to the few who need it; Bastion's guard requires a fresh step-up and a reason from them");
    }

    /** The admin console's browser flow (its override, else the realm's) has an enabled bastion-step-up. */
    Check consoleFlowStepUp() {
        ClientModel console = realm.getClientByClientId(Constants.ADMIN_CONSOLE_CLIENT_ID);
        if (console == null || realm.getBrowserFlow() == null) return pass("admin-flow-step-up", "high", "No admin console in this realm");
        String override = console.getAuthenticationFlowBindingOverride("browser");
        String flowId = override != null && !override.isBlank() ? override : realm.getBrowserFlow().getId();
        var flow = realm.getAuthenticationFlowById(flowId);
        String alias = flow == null ? flowId : flow.getAlias();
        if (StepUpPage.stepUpInFlow(realm, flowId)) {
            return pass("admin-flow-step-up", "high", "The admin console's browser flow '" + alias + "' ends with bastion-step-up: "
                    + "a sign-in with password and a second factor counts as a step-up, and the step-up page works");
        }
        return new Check("admin-flow-step-up", "high", "fail", "The admin console's browser flow '" + alias
                + "' has no bastion-step-up: admins of " + realm.getName() + " cannot step up in the browser (the step-up page answers "
                + "409) and their sign-in never counts as one",
                "Add bastion-step-up as the last REQUIRED execution of '" + alias + "' (README: Flows to bind)");
    }

    /** Admins who sign in only through an identity provider: no local password, so no step-up; Bastion refuses them. */
    Check federated() {
        List<String> federated = adminUsers().stream()
                .filter(u -> session.users().getFederatedIdentitiesStream(realm, u).findAny().isPresent())
                .filter(u -> u.credentialManager().getStoredCredentialsByTypeStream("password").findAny().isEmpty())
                .map(UserModel::getUsername).sorted().toList();
        if (federated.isEmpty()) return pass("admins-identity-provider", "medium", "No admin signs in only through an identity provider");
        return new Check("admins-identity-provider", "medium", "warn", federated.size()
                + " admin(s) sign in only through an identity provider and cannot step up (no local password): "
                + "privileged writes refuse them with step_up_required: " + names(federated),
                "Give these admins a local password and a second factor for privileged work, or do that work through a service account");
    }

    /**
     * Holders of any admin role of this realm, directly or as members of a group that holds one: in a realm, the
     * {@code realm-management} roles; in master also {@code admin}, {@code create-realm} and every {@code <realm>-realm}
     * client's roles (master's admins administer the other realms from there).
     */
    private List<UserModel> adminUsers() {
        Map<String, UserModel> admins = new LinkedHashMap<>();
        adminRoles().forEach(role -> {
            session.users().getRoleMembersStream(realm, role).forEach(u -> admins.putIfAbsent(u.getId(), u));
            realm.getGroupsStream().filter(g -> g.hasDirectRole(role))
                    .forEach(g -> session.users().getGroupMembersStream(realm, g).forEach(u -> admins.putIfAbsent(u.getId(), u)));
        });
        return List.copyOf(admins.values());
    }

    private List<RoleModel> adminRoles() {
        List<RoleModel> roles = new ArrayList<>();
        ClientModel management = realm.getClientByClientId("realm-management");
        if (management != null) management.getRolesStream().forEach(roles::add);
        if (realm.getName().equals("master")) {
            for (String name : List.of("admin", "create-realm")) {
                RoleModel role = realm.getRole(name);
                if (role != null) roles.add(role);
            }
            realm.getClientsStream().filter(c -> c.getClientId().endsWith("-realm")).forEach(c -> c.getRolesStream().forEach(roles::add));
        }
        return roles;
    }
}
