package org.kcbastion.authenticators;

import org.kcbastion.core.BastionKeys;
import org.kcbastion.core.BastionMetrics;
import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.RateLimiter;
import org.kcbastion.core.RateSlots;
import org.kcbastion.core.StepUp;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.common.util.Time;
import org.keycloak.events.Errors;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserCredentialModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.OTPCredentialModel;
import org.keycloak.services.managers.BruteForceProtector;

import java.util.List;
import java.util.Locale;

/**
 * The step-up's check of the password and a one-time code, the same for the page and the direct grant: second factor
 * configured, not locked by brute-force protection, within the cluster-wide limit of failed attempts, both right.
 */
final class StepUpVerifier {

    /** Why a step-up attempt failed; {@code counts} marks wrong credentials, which brute-force protection and the limit see. */
    enum Failure {
        INVALID("bastionStepUpInvalid", "invalid_grant", 401, true, Errors.INVALID_USER_CREDENTIALS),
        NO_SECOND_FACTOR("bastionStepUpNoSecondFactor", "invalid_grant", 400, false, "second_factor_required"),
        LOCKED("bastionStepUpLocked", "invalid_grant", 400, false, Errors.USER_TEMPORARILY_DISABLED),
        RATE_LIMITED("bastionStepUpRateLimited", "rate_limited", 429, false, "rate_limited");

        final String message;
        final String oauthError;
        final int status;
        final boolean counts;
        final String eventError;

        Failure(String message, String oauthError, int status, boolean counts, String eventError) {
            this.message = message;
            this.oauthError = oauthError;
            this.status = status;
            this.counts = counts;
            this.eventError = eventError;
        }
    }

    private StepUpVerifier() {
    }

    /** Null when password and second factor are right (and the step-up is then recorded), else why not. */
    static Failure verify(AuthenticationFlowContext context, String password, String otp) {
        KeycloakSession session = context.getSession();
        RealmModel realm = context.getRealm();
        UserModel user = context.getUser();
        context.getEvent().user(user).detail("bastion_step_up", "true");
        Failure failure = check(context, session, realm, user, password, otp);
        if (failure == null) {
            context.getAuthenticationSession().setUserSessionNote(StepUp.NOTE, new StepUp(Time.currentTime(), "password+otp").note());
            BastionMetrics.stepUp(realm.getName(), "granted");
            return null;
        }
        if (failure.counts) {
            RateLimiter.Outcome outcome = limiter(session).acquire(Time.currentTime(), List.of(bucket(realm, user)));
            if (!outcome.granted()) BastionMetrics.rateLimited(realm.getName(), "step_up");
        }
        BastionMetrics.stepUp(realm.getName(), failure.name().toLowerCase(Locale.ROOT));
        context.getEvent().error(failure.eventError);
        return failure;
    }

    private static Failure check(AuthenticationFlowContext context, KeycloakSession session, RealmModel realm, UserModel user,
                          String password, String otp) {
        if (!StepUp.hasSecondFactor(user)) return Failure.NO_SECOND_FACTOR;
        if (realm.isBruteForceProtected()) {
            BruteForceProtector protector = session.getProvider(BruteForceProtector.class);
            if (protector.isPermanentlyLockedOut(session, realm, user) || protector.isTemporarilyDisabled(session, realm, user)) {
                return Failure.LOCKED;
            }
        }
        if (!limiter(session).available(Time.currentTime(), bucket(realm, user))) return Failure.RATE_LIMITED;
        if (password == null || otp == null || password.isEmpty() || otp.isBlank()) return Failure.INVALID;
        if (!user.credentialManager().isValid(UserCredentialModel.password(password))) return Failure.INVALID;
        String code = otp.strip();
        boolean otpValid = user.credentialManager().getStoredCredentialsByTypeStream(OTPCredentialModel.TYPE).toList().stream()
                .anyMatch(c -> user.credentialManager().isValid(new UserCredentialModel(c.getId(), OTPCredentialModel.TYPE, code)));
        return otpValid ? null : Failure.INVALID;
    }

    private static RateLimiter limiter(KeycloakSession session) {
        return new RateLimiter(RateSlots.of(session), BastionKeys.digests(session));
    }

    /** Failed step-ups share the per-admin impersonation limit of the user's realm. */
    private static RateLimiter.Bucket bucket(RealmModel realm, UserModel user) {
        return new RateLimiter.Bucket("step_up", realm.getId() + "/" + user.getId(),
                BastionPolicy.from(realm).impersonationLimits().perAdmin());
    }

    static long retryAfter(AuthenticationFlowContext context) {
        return RateLimiter.secondsLeftInWindow(Time.currentTime(), BastionPolicy.from(context.getRealm()).impersonationLimits().perAdmin());
    }
}
