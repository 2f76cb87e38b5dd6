package org.kcbastion.sessionlimits;

import org.keycloak.OAuth2Constants;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.token.TokenPostProcessor;
import org.keycloak.protocol.oidc.token.TokenPostProcessorContext;
import org.keycloak.utils.KeycloakSessionUtil;

import java.util.Set;

/**
 * Clamps the tokens of the grants that reach neither the client-policy manager's token-response events
 * ({@link TokenDeadlineClientPolicyManager}) nor, without a refresh token, {@link SessionLimitRefreshTokenProvider}:
 * token exchange and the JWT authorization grant (RFC 7523, which never issues a refresh token), both named on the
 * request, and the access token of a response that names no grant and carries no refresh token: legacy token exchange
 * V1 asked for an access token alone (an implicit response, clamped already by the client-policy manager, and a UMA
 * requesting-party token arrive so too; their session's deadline binds them as well). Keycloak calls every token
 * post-processor just before it signs a token response; for other grants this returns after two field reads or one
 * attribute read.
 * A refresh token only for the named grants: the post-processor sees the online session of an offline login, whose
 * refresh token the refresh-token provider has already clamped to the offline cap. An ID token is out of reach here
 * (Keycloak copied the access token's expiry into it before post-processors run). Stateless, one instance per server.
 */
final class TokenResponseDeadline implements TokenPostProcessor {

    static final Set<String> GRANTS = Set.of(OAuth2Constants.TOKEN_EXCHANGE_GRANT_TYPE, OAuth2Constants.JWT_AUTHORIZATION_GRANT);

    @Override
    public void process(TokenPostProcessorContext context) {
        // A refresh (the one grant that carries the request's refresh token) and a code exchange (the one that carries
        // a code) leave on two field reads of the context Keycloak just built: they are the bulk of token responses.
        // Keycloak 26.7 sets them in AbstractRefreshTokenProvider and AuthorizationCodeGrantType only; token exchange
        // and jwt-bearer set neither (AdversarialIT › Finding 5 checks both are still clamped).
        if (context.requestRefreshToken() != null || context.code() != null) return;
        ClientSessionContext request = context.clientSessionCtx();
        if (request == null || context.accessToken() == null) return;
        String grant = request.getAttribute(Constants.GRANT_TYPE, String.class);
        boolean named = grant != null && GRANTS.contains(grant);
        // A response that names no grant and carries no refresh token: Keycloak's legacy token exchange (V1, preview
        // feature token-exchange) asked for an access token alone, which no other hook sees. The access token only:
        // a refresh token (V1 with one asked for) came through the refresh-token provider, clamped to its own session.
        boolean unnamed = grant == null && context.refreshToken() == null;
        if (!named && !unnamed) return;
        AuthenticatedClientSessionModel clientSession = request.getClientSession();
        UserSessionModel userSession = clientSession == null ? null : clientSession.getUserSession();
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        if (userSession == null || session == null) return;
        SessionDeadline deadline = SessionLimitEnforcer.provider(session)
                .tokenRequestDeadline(clientSession.getRealm(), userSession, request);
        SessionLimitRefreshTokenProvider.clamp(context.accessToken(), named ? context.refreshToken() : null, deadline);
    }
}
