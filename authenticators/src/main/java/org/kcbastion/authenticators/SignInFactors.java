package org.kcbastion.authenticators;

import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.RealmModel;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which factors the current flow run verified itself: read from the executions that succeeded in this authentication
 * session (Keycloak's own authenticators), never from the SSO cookie ({@code auth-cookie} succeeds without verifying
 * anything). A sign-in counts as a step-up when it verified a password and a second factor, or a passkey with user
 * verification (possession plus PIN or biometrics: both factors at once).
 */
final class SignInFactors {

    static final Set<String> PASSWORD = Set.of("auth-username-password-form", "auth-password-form", "direct-grant-validate-password");
    static final Map<String, String> SECOND_FACTOR = Map.of(
            "auth-otp-form", "otp",
            "direct-grant-validate-otp", "otp",
            "webauthn-authenticator", "webauthn");
    static final String PASSKEY = "webauthn-authenticator-passwordless";

    private SignInFactors() {
    }

    /** {@code password+otp}, {@code password+webauthn} or {@code passkey}; empty when the run verified less. */
    static Optional<String> verifiedInThisRun(RealmModel realm, AuthenticationSessionModel authSession) {
        boolean password = false;
        String second = null;
        boolean passkey = false;
        for (Map.Entry<String, AuthenticationSessionModel.ExecutionStatus> e : authSession.getExecutionStatus().entrySet()) {
            if (e.getValue() != AuthenticationSessionModel.ExecutionStatus.SUCCESS) continue;
            AuthenticationExecutionModel execution = realm.getAuthenticationExecutionById(e.getKey());
            String authenticator = execution == null ? null : execution.getAuthenticator();
            if (authenticator == null) continue;
            if (PASSWORD.contains(authenticator)) password = true;
            if (SECOND_FACTOR.containsKey(authenticator)) second = SECOND_FACTOR.get(authenticator);
            if (PASSKEY.equals(authenticator)) passkey = true;
        }
        if (passkey && userVerificationRequired(realm)) return Optional.of(password ? "password+passkey" : "passkey");
        if (password && second != null) return Optional.of("password+" + second);
        if (password && passkey) return Optional.of("password+passkey");
        return Optional.empty();
    }

    /** A passkey is two factors only when the realm's passwordless policy demands user verification. */
    static boolean userVerificationRequired(RealmModel realm) {
        var policy = realm.getWebAuthnPolicyPasswordless();
        return policy != null && "required".equalsIgnoreCase(policy.getUserVerificationRequirement());
    }
}
