package org.kcbastion.authenticators;

import org.kcbastion.core.OperationalInfo;
import org.keycloak.authentication.Authenticator;
import org.keycloak.models.KeycloakSession;

import java.util.Map;

/**
 * {@code bastion-session-limit}: put it first (REQUIRED) in the browser flow, before the cookie step, so an SSO
 * cookie whose session passed its absolute deadline leads to the login form instead of into the app.
 */
public final class SessionLimitAuthenticatorFactory extends RequiredStepFactory {

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
    public String getHelpText() {
        return "Ends an SSO session that passed its absolute deadline (Bastion session limits) before the cookie "
                + "can sign the user in. Place it first in the browser flow, as REQUIRED.";
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
