package org.kcbastion.authenticators;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.kcbastion.core.BastionMetrics;
import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.Reasons;
import org.kcbastion.core.StepUp;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.common.util.Time;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.protocol.oidc.endpoints.AuthorizationEndpoint;
import org.keycloak.services.managers.AuthenticationManager;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Re-verifies the password and a second factor even inside an SSO session, then records the step-up in the user
 * session ({@link StepUp#NOTE}). In a direct-grant flow it reads {@code password} and {@code totp} (or {@code otp});
 * in a browser flow it shows its own page on step-up requests (authorization requests carrying {@value #STEP_UP_PARAM},
 * as Bastion's step-up page sends them). Every other sign-in passes, and counts as a step-up when the flow run
 * verified the password and a second factor itself ({@link SignInFactors}).
 */
final class StepUpAuthenticator implements RequiredStep {

    static final String STEP_UP_PARAM = StepUp.REQUEST_PARAM;
    static final String REQUEST_NOTE = AuthorizationEndpoint.LOGIN_SESSION_NOTE_ADDITIONAL_REQ_PARAMS_PREFIX + STEP_UP_PARAM;
    static final String TEMPLATE = "bastion-step-up.ftl";

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        MultivaluedMap<String, String> form = context.getHttpRequest().getDecodedFormParameters();
        if (form != null && form.getFirst("grant_type") != null) {
            directGrant(context, form);
            return;
        }
        if (context.getAuthenticationSession().getClientNote(REQUEST_NOTE) == null) {
            // An ordinary sign-in: it counts as a step-up when this flow run verified the password and a second factor
            // itself (a sign-in from the SSO cookie alone verified nothing, and records nothing).
            SignInFactors.verifiedInThisRun(context.getRealm(), context.getAuthenticationSession()).ifPresent(factors -> {
                context.getAuthenticationSession().setUserSessionNote(StepUp.NOTE, new StepUp(Time.currentTime(), factors).note());
                context.getEvent().detail("bastion_step_up", factors);
                BastionMetrics.stepUp(context.getRealm().getName(), "sign_in");
            });
            context.success();
            return;
        }
        if (freshPage(context, null)) return;
        if (!StepUp.hasSecondFactor(context.getUser())) {
            context.getEvent().user(context.getUser()).error(StepUpVerifier.Failure.NO_SECOND_FACTOR.eventError);
            context.challenge(page(context, StepUpVerifier.Failure.NO_SECOND_FACTOR.message).createErrorPage(Response.Status.FORBIDDEN));
            return;
        }
        context.challenge(page(context, null).createForm(TEMPLATE));
    }

    /**
     * When the admin's SSO session already holds a fresh step-up, the page says for how long and asks only for a
     * reason (impersonation needs one; the console cannot send it); a new step-up stays one click away.
     *
     * @return whether it answered
     */
    private boolean freshPage(AuthenticationFlowContext context, String error) {
        Optional<Long> left = freshSecondsLeft(context);
        if (left.isEmpty()) return false;
        BastionPolicy policy = BastionPolicy.from(context.getRealm());
        long writesLeft = Math.max(0, left.get() + policy.stepUpWritesMaxAgeSeconds() - policy.stepUpMaxAgeSeconds());
        LoginFormsProvider form = page(context, error)
                .setAttribute("bastionFreshSeconds", String.valueOf(left.get()))
                .setAttribute("bastionFreshWritesSeconds", String.valueOf(writesLeft));
        context.challenge(form.createForm(TEMPLATE));
        return true;
    }

    /** Seconds the SSO session's step-up stays fresh for impersonation; empty when it is not fresh (or absent). */
    private static Optional<Long> freshSecondsLeft(AuthenticationFlowContext context) {
        AuthenticationManager.AuthResult sso = AuthenticationManager.authenticateIdentityCookie(context.getSession(),
                context.getRealm(), true);
        if (sso == null || sso.session() == null || context.getUser() == null || !sso.user().getId().equals(context.getUser().getId())) {
            return Optional.empty();
        }
        long now = Time.currentTime();
        int maxAge = BastionPolicy.from(context.getRealm()).stepUpMaxAgeSeconds();
        return StepUp.parse(sso.session().getNote(StepUp.NOTE))
                .filter(s -> s.freshAt(now, maxAge))
                .map(s -> Math.max(1, s.epochSeconds() + maxAge - now));
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        MultivaluedMap<String, String> form = context.getHttpRequest().getDecodedFormParameters();
        String reason = form.getFirst("reason");
        String mode = form.getFirst("mode");
        if ("again".equals(mode)) {
            context.challenge(page(context, null).createForm(TEMPLATE));
            return;
        }
        if (reason != null && !reason.isBlank() && !Reasons.valid(reason)) {
            if (!("reason".equals(mode) && freshPage(context, "bastionStepUpReasonInvalid"))) {
                context.challenge(page(context, "bastionStepUpReasonInvalid").createForm(TEMPLATE));
            }
            return;
        }
        if ("reason".equals(mode)) {
            // Only the reason, on a step-up that is still fresh (checked again now); otherwise a full step-up.
            if (freshSecondsLeft(context).isPresent()) {
                if (reason != null && !reason.isBlank()) {
                    context.getAuthenticationSession().setUserSessionNote(StepUp.REASON_NOTE, reason.strip());
                }
                context.success();
            } else {
                context.challenge(page(context, null).createForm(TEMPLATE));
            }
            return;
        }
        StepUpVerifier.Failure failure = StepUpVerifier.verify(context, form.getFirst("password"), form.getFirst("otp"));
        if (failure == null) {
            if (reason != null && !reason.isBlank()) {
                context.getAuthenticationSession().setUserSessionNote(StepUp.REASON_NOTE, reason.strip());
            }
            context.success();
            return;
        }
        Response page = failure == StepUpVerifier.Failure.NO_SECOND_FACTOR
                ? page(context, failure.message).createErrorPage(Response.Status.FORBIDDEN)
                : page(context, failure.message).createForm(TEMPLATE);
        if (failure.counts) context.failureChallenge(AuthenticationFlowError.INVALID_CREDENTIALS, page);
        else context.challenge(page);
    }

    private void directGrant(AuthenticationFlowContext context, MultivaluedMap<String, String> form) {
        String otp = form.getFirst("totp") != null ? form.getFirst("totp") : form.getFirst("otp");
        StepUpVerifier.Failure failure = StepUpVerifier.verify(context, form.getFirst("password"), otp);
        if (failure == null) {
            context.success();
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", failure.oauthError);
        body.put("error_description", switch (failure) {
            case INVALID -> "Invalid user credentials";
            case NO_SECOND_FACTOR -> "A step-up needs a second factor: set up an authenticator app (OTP) first";
            case LOCKED -> "Account temporarily locked after failed attempts";
            case RATE_LIMITED -> "Too many failed step-up attempts; try again later";
        });
        Response.ResponseBuilder response = Response.status(failure.status).type(MediaType.APPLICATION_JSON_TYPE).entity(body);
        if (failure == StepUpVerifier.Failure.RATE_LIMITED) response.header("Retry-After",
                String.valueOf(StepUpVerifier.retryAfter(context)));
        if (failure.counts) context.failure(AuthenticationFlowError.INVALID_CREDENTIALS, response.build());
        else context.challenge(response.build());
    }

    private static LoginFormsProvider page(AuthenticationFlowContext context, String error) {
        LoginFormsProvider form = context.form().setAttribute("bastionUsername", context.getUser().getUsername());
        if (error != null) form.setError(error);
        return form;
    }

    @Override
    public boolean requiresUser() {
        return true;
    }
}
