package org.kcbastion.it.harness;

import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.AuthenticationExecutionInfoRepresentation;
import org.keycloak.representations.idm.AuthenticationFlowRepresentation;

import java.util.Map;

/** Builds authentication flows through the admin REST API, the way a realm admin would in the console. */
public final class Flows {

    private Flows() {
    }

    /** A top-level basic flow; returns its id. */
    public static String create(RealmResource realm, String alias) {
        AuthenticationFlowRepresentation top = new AuthenticationFlowRepresentation();
        top.setAlias(alias);
        top.setProviderId("basic-flow");
        top.setTopLevel(true);
        top.setBuiltIn(false);
        realm.flows().createFlow(top).close();
        return realm.flows().getFlows().stream().filter(f -> f.getAlias().equals(alias)).findFirst().orElseThrow().getId();
    }

    public static void addExecution(RealmResource realm, String flow, String provider, String requirement) {
        realm.flows().addExecution(flow, Map.of("provider", provider));
        setRequirement(realm, flow, provider, requirement);
    }

    public static void addSubflow(RealmResource realm, String flow, String alias, String requirement) {
        realm.flows().addExecutionFlow(flow, Map.of("alias", alias, "type", "basic-flow", "description", ""));
        setRequirement(realm, flow, alias, requirement);
    }

    public static void setRequirement(RealmResource realm, String flow, String providerOrAlias, String requirement) {
        for (AuthenticationExecutionInfoRepresentation e : realm.flows().getExecutions(flow)) {
            if (e.getLevel() == 0 && (providerOrAlias.equals(e.getProviderId()) || providerOrAlias.equals(e.getDisplayName()))) {
                e.setRequirement(requirement);
                realm.flows().updateExecutions(flow, e);
                return;
            }
        }
        throw new AssertionError("no execution " + providerOrAlias + " in " + flow);
    }

    /** Direct grant that steps up: username, then {@code bastion-step-up} (password + totp). Returns the flow id. */
    public static String directGrantStepUp(RealmResource realm, String alias) {
        String id = create(realm, alias);
        addExecution(realm, alias, "direct-grant-validate-username", "REQUIRED");
        addExecution(realm, alias, "bastion-step-up", "REQUIRED");
        return id;
    }

    /**
     * A browser flow as Bastion's README describes it: SSO cookie or username/password + OTP, then
     * {@code bastion-step-up} last (it acts only on step-up requests). Returns the flow id.
     */
    public static String browserStepUp(RealmResource realm, String alias) {
        String id = create(realm, alias);
        addSubflow(realm, alias, alias + "-sign-in", "REQUIRED");
        addExecution(realm, alias + "-sign-in", "auth-cookie", "ALTERNATIVE");
        addSubflow(realm, alias + "-sign-in", alias + "-forms", "ALTERNATIVE");
        addExecution(realm, alias + "-forms", "auth-username-password-form", "REQUIRED");
        addExecution(realm, alias + "-forms", "auth-otp-form", "REQUIRED");
        addExecution(realm, alias, "bastion-step-up", "REQUIRED");
        return id;
    }
}
