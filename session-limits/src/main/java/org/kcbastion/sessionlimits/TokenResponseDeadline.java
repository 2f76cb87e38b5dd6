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
 * Clamps the access and refresh token of every token response but a refresh to the session's deadline, just before
 * Keycloak signs them (its token post-processors run for every grant). It covers the grants that reach neither the
 * client-policy manager's token-response events ({@link TokenDeadlineClientPolicyManager}) nor, without a refresh
 * token, {@link SessionLimitRefreshTokenProvider}: token exchange (standard and v1), the JWT authorization grant, and
 * whatever grant Keycloak adds next. A refresh returns after one attribute read: its provider has clamped both tokens
 * with the deadline it computed already, so the refresh path does no extra work.
 */
final class TokenResponseDeadline implements TokenPostProcessor {

    private final KeycloakSession session;

    TokenResponseDeadline(KeycloakSession session) {
        this.session = session;
    }

    @Override
    public void process(TokenPostProcessorContext context) {
        ClientSessionContext request = context.clientSessionCtx();
        if (request == null || context.accessToken() == null) return;
        if (OAuth2Constants.REFRESH_TOKEN.equals(request.getAttribute(Constants.GRANT_TYPE, String.class))) return;
        AuthenticatedClientSessionModel clientSession = request.getClientSession();
        UserSessionModel userSession = clientSession == null ? null : clientSession.getUserSession();
        if (userSession == null) return;
        SessionDeadline deadline = SessionLimitEnforcer.provider(session)
                .tokenRequestDeadline(clientSession.getRealm(), userSession, request);
        SessionLimitRefreshTokenProvider.clamp(context.accessToken(), context.refreshToken(), deadline);
    }
}
