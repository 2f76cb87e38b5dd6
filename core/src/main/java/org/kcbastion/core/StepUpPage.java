package org.kcbastion.core;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import org.keycloak.common.util.Base64Url;
import org.keycloak.common.util.SecretGenerator;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.managers.AuthenticationManager;
import org.keycloak.protocol.oidc.OIDCLoginProtocolService;
import org.keycloak.protocol.oidc.utils.RedirectUtils;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Behind {@code GET /realms/{realm}/bastion/step-up[?redirect_uri=...[&client_id=...]]} (without parameters: back to the
 * realm's admin console): sends a signed-in admin through the
 * {@code bastion-step-up} authenticator (an authorization request marked as a step-up) and back. The way back is
 * only ever a redirect URI the client registered (by default the realm's admin console), checked by Keycloak's own
 * {@link RedirectUtils}: never an open redirect.
 */
public final class StepUpPage {

    private final KeycloakSession session;

    public StepUpPage(KeycloakSession session) {
        this.session = session;
    }

    public Response stepUp(String redirectUri, String clientId) {
        RealmModel realm = session.getContext().getRealm();
        String id = clientId == null || clientId.isBlank() ? Constants.ADMIN_CONSOLE_CLIENT_ID : clientId;
        ClientModel client = realm.getClientByClientId(id);
        if (client == null || !client.isEnabled()) {
            return ApiError.response(Response.Status.BAD_REQUEST, "invalid_client",
                    "No enabled client " + id + " in realm " + realm.getName());
        }
        if ((redirectUri == null || redirectUri.isBlank()) && Constants.ADMIN_CONSOLE_CLIENT_ID.equals(id)) {
            // The short form every refusal names: back to this realm's admin console.
            redirectUri = session.getContext().getUri().getBaseUriBuilder().path("admin/{realm}/console/")
                    .build(realm.getName()).toString();
        }
        if (redirectUri == null || redirectUri.isBlank() || redirectUri.contains("#")) {
            return ApiError.response(Response.Status.BAD_REQUEST, "invalid_redirect_uri",
                    "redirect_uri is required, without a fragment, and must be a registered redirect URI of " + id);
        }
        String verified = RedirectUtils.verifyRedirectUri(session, redirectUri, client);
        if (verified == null) {
            return ApiError.response(Response.Status.BAD_REQUEST, "invalid_redirect_uri",
                    "redirect_uri is not a registered redirect URI of client " + id);
        }
        if (!stepUpInFlow(realm, browserFlowId(realm, client))) {
            return ApiError.response(Response.Status.CONFLICT, "step_up_not_configured",
                    "The browser flow of realm " + realm.getName() + " has no enabled bastion-step-up execution; add it last, as REQUIRED");
        }
        // The code this request ends with is never redeemed: the point is the step-up recorded in the SSO session.
        String verifier = SecretGenerator.getInstance().randomString(64);
        UriBuilder auth = OIDCLoginProtocolService.authUrl(session.getContext().getUri().getBaseUriBuilder())
                .queryParam("client_id", id)
                .queryParam("redirect_uri", verified)
                .queryParam("response_type", "code")
                .queryParam("scope", "openid")
                .queryParam("state", SecretGenerator.getInstance().randomString(22))
                .queryParam("nonce", SecretGenerator.getInstance().randomString(22))
                .queryParam("code_challenge", s256(verifier))
                .queryParam("code_challenge_method", "S256");
        if (webAuthnOnly(realm)) {
            // Bastion's page checks password + OTP; a security key or passkey is Keycloak's own to verify. A forced
            // re-authentication runs the realm's flow again (cookie skipped), and bastion-step-up, last in it, records
            // the sign-in as a step-up when it verified both factors.
            auth.queryParam("prompt", "login");
        } else {
            auth.queryParam(StepUp.REQUEST_PARAM, "1");
        }
        return Response.status(Response.Status.FOUND).location(auth.build(realm.getName())).build();
    }

    /** The signed-in user (SSO cookie) has WebAuthn credentials and no OTP. */
    private boolean webAuthnOnly(RealmModel realm) {
        AuthenticationManager.AuthResult sso = AuthenticationManager.authenticateIdentityCookie(session, realm, true);
        if (sso == null || sso.user() == null) return false;
        var credentials = sso.user().credentialManager();
        boolean webAuthn = credentials.getStoredCredentialsByTypeStream("webauthn").findAny().isPresent()
                || credentials.getStoredCredentialsByTypeStream("webauthn-passwordless").findAny().isPresent();
        return webAuthn && !StepUp.hasSecondFactor(sso.user());
    }

    private static String browserFlowId(RealmModel realm, ClientModel client) {
        String override = client.getAuthenticationFlowBindingOverride("browser");
        return override != null && !override.isBlank() ? override : realm.getBrowserFlow().getId();
    }

    public static boolean stepUpInFlow(RealmModel realm, String flowId) {
        return realm.getAuthenticationExecutionsStream(flowId)
                .filter(e -> e.getRequirement() != AuthenticationExecutionModel.Requirement.DISABLED)
                .anyMatch(e -> e.isAuthenticatorFlow() ? stepUpInFlow(realm, e.getFlowId())
                        : StepUp.AUTHENTICATOR_ID.equals(e.getAuthenticator()));
    }

    private static String s256(String verifier) {
        try {
            return Base64Url.encode(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
