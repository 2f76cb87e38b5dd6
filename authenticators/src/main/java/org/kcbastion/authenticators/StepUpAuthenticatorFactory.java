package org.kcbastion.authenticators;

import org.kcbastion.core.OperationalInfo;
import org.kcbastion.core.StepUp;
import org.keycloak.authentication.Authenticator;
import org.keycloak.models.KeycloakSession;

import java.util.Map;

/**
 * {@code bastion-step-up}: re-verifies password and one-time code for privileged admin actions. In the browser flow
 * it goes last, REQUIRED, after the sign-in subflow (it acts only on step-up requests); in a direct-grant flow it
 * replaces the password and OTP steps, after "Username Validation".
 */
public final class StepUpAuthenticatorFactory extends RequiredStepFactory {

    public static final String PROVIDER_ID = StepUp.AUTHENTICATOR_ID;

    @Override
    public Authenticator create(KeycloakSession session) {
        return new StepUpAuthenticator();
    }

    @Override
    public String getDisplayType() {
        return "Bastion: step-up (password + one-time code)";
    }

    /**
     * "password": Keycloak counts a failed step toward brute-force protection only when its category is password, otp or
     * recovery codes, and the step-up re-verifies the password first.
     */
    @Override
    public String getReferenceCategory() {
        return org.keycloak.models.credential.PasswordCredentialModel.TYPE;
    }

    @Override
    public String getHelpText() {
        return "Re-verifies the password and a one-time code, even in an SSO session, and records the step-up that "
                + "Bastion's guard requires for impersonation. Browser flow: last, REQUIRED (acts only on step-up requests). "
                + "Direct grant: after Username Validation, REQUIRED (reads password and totp).";
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return OperationalInfo.of(Map.of("place", "browser flow: last, REQUIRED; direct grant: after direct-grant-validate-username",
                "stepUpParameter", StepUpAuthenticator.STEP_UP_PARAM, "note", org.kcbastion.core.StepUp.NOTE));
    }
}
