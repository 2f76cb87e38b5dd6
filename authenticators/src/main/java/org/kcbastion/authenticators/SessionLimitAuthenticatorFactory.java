package org.kcbastion.authenticators;

import org.kcbastion.core.OperationalInfo;
import org.keycloak.Config;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import java.util.List;
import java.util.Map;

/**
 * {@code bastion-session-limit}: put it first (REQUIRED) in the browser flow, before the cookie step, so an SSO
 * cookie whose session passed its absolute deadline leads to the login form instead of into the app.
 */
public final class SessionLimitAuthenticatorFactory implements AuthenticatorFactory, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "bastion-session-limit";

    @Override
    public Authenticator create(KeycloakSession session) {
        return new SessionLimitAuthenticator();
    }

    @Override
    public String getDisplayType() {
        return "Bastion: absolute session lifetime";
    }

    @Override
    public String getReferenceCategory() {
        return PROVIDER_ID;
    }

    @Override
    public boolean isConfigurable() {
        return false;
    }

    @Override
    public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
        return new AuthenticationExecutionModel.Requirement[]{
                AuthenticationExecutionModel.Requirement.REQUIRED, AuthenticationExecutionModel.Requirement.DISABLED};
    }

    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }

    @Override
    public String getHelpText() {
        return "Ends an SSO session that passed its absolute deadline (Bastion session limits) before the cookie "
                + "can sign the user in. Place it first in the browser flow, as REQUIRED.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return OperationalInfo.of(Map.of("place", "first in the browser flow, REQUIRED"));
    }
}
