package org.kcbastion.core;

import org.keycloak.models.UserModel;
import org.keycloak.models.credential.OTPCredentialModel;

import java.util.Optional;

/**
 * The step-up record in a user session: note {@value #NOTE} = {@code <epoch seconds>:<factors>}, written by the
 * {@code bastion-step-up} authenticator only after it verified the password and a second factor in this session.
 */
public record StepUp(long epochSeconds, String factors) {

    /** The id of the step-up authenticator ({@code bastion-step-up}), which the step-up page needs in the flow. */
    public static final String AUTHENTICATOR_ID = "bastion-step-up";
    /** The authorization-request parameter that marks a sign-in as a step-up for that authenticator. */
    public static final String REQUEST_PARAM = "bastion_step_up";

    public static final String NOTE = "bastion.step-up";
    /**
     * The reason an admin typed on the step-up page: the admin console cannot send one with its Impersonate button, so
     * the guard falls back to it while the step-up is fresh.
     */
    public static final String REASON_NOTE = "bastion.step-up.reason";

    /** A second factor Bastion's own step-up page can check: an OTP credential. */
    public static boolean hasSecondFactor(UserModel user) {
        return user != null && user.credentialManager().isConfiguredFor(OTPCredentialModel.TYPE);
    }

    public static Optional<StepUp> parse(String note) {
        if (note == null) return Optional.empty();
        int colon = note.indexOf(':');
        try {
            long at = Long.parseLong(colon < 0 ? note : note.substring(0, colon));
            return Optional.of(new StepUp(at, colon < 0 ? "" : note.substring(colon + 1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public String note() {
        return epochSeconds + ":" + factors;
    }

    /** Fresh when taken no more than {@code maxAgeSeconds} ago (and not in the future, which a clock jump could fake). */
    public boolean freshAt(long nowSeconds, long maxAgeSeconds) {
        return epochSeconds <= nowSeconds + 5 && nowSeconds - epochSeconds <= maxAgeSeconds;
    }
}
