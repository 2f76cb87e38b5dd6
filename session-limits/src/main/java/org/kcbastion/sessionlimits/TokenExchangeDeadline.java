package org.kcbastion.sessionlimits;

import org.keycloak.OAuth2Constants;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.token.TokenPostProcessor;
import org.keycloak.protocol.oidc.token.TokenPostProcessorContext;

/**
 * Clamps the tokens of a token exchange to the session's deadline, the one grant that reaches neither the client-policy
 * manager's token-response events ({@link TokenDeadlineClientPolicyManager}) nor, without a refresh token,
 * {@link SessionLimitRefreshTokenProvider}. Keycloak calls every token post-processor just before it signs a token
 * response; for other grants this returns after one attribute read, so the refresh path does no extra work.
 */
final class TokenExchangeDeadline implements TokenPostProcessor {

    private final KeycloakSession session;

    TokenExchangeDeadline(KeycloakSession session) {
        this.session = session;
    }

    @Override
    public void process(TokenPostProcessorContext context) {
        ClientSessionContext request = context.clientSessionCtx();
        if (request == null || context.accessToken() == null) return;
        if (!OAuth2Constants.TOKEN_EXCHANGE_GRANT_TYPE.equals(request.getAttribute(Constants.GRANT_TYPE, String.class))) return;
        AuthenticatedClientSessionModel clientSession = request.getClientSession();
        UserSessionModel userSession = clientSession == null ? null : clientSession.getUserSession();
        if (userSession == null) return;
        SessionDeadline deadline = SessionLimitEnforcer.provider(session)
                .tokenRequestDeadline(clientSession.getRealm(), userSession, request);
        SessionLimitRefreshTokenProvider.clamp(context.accessToken(), context.refreshToken(), deadline);
    }
}
