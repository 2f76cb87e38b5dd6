package org.kcbastion.sessionlimits;

import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.TokenManager;
import org.keycloak.protocol.oidc.grants.ciba.clientpolicy.context.BackchannelTokenResponseContext;
import org.keycloak.protocol.oidc.grants.device.clientpolicy.context.DeviceTokenResponseContext;
import org.keycloak.representations.IDToken;
import org.keycloak.services.clientpolicy.ClientPolicyContext;
import org.keycloak.services.clientpolicy.ClientPolicyException;
import org.keycloak.services.clientpolicy.DefaultClientPolicyManager;
import org.keycloak.services.clientpolicy.context.ImplicitHybridTokenResponse;
import org.keycloak.services.clientpolicy.context.ResourceOwnerPasswordCredentialsResponseContext;
import org.keycloak.services.clientpolicy.context.ServiceAccountTokenResponseContext;
import org.keycloak.services.clientpolicy.context.TokenResponseContext;

/** See {@link TokenDeadlineClientPolicyManagerFactory}. */
final class TokenDeadlineClientPolicyManager extends DefaultClientPolicyManager {

    private final KeycloakSession session;

    TokenDeadlineClientPolicyManager(KeycloakSession session) {
        super(session);
        this.session = session;
    }

    @Override
    public void triggerOnEvent(ClientPolicyContext context) throws ClientPolicyException {
        super.triggerOnEvent(context);
        TokenManager.AccessTokenResponseBuilder builder = responseBuilder(context);
        if (builder != null) clamp(builder);
    }

    /** The response being built, for the events that carry a freshly issued access token; null for all others. */
    private static TokenManager.AccessTokenResponseBuilder responseBuilder(ClientPolicyContext context) {
        if (context instanceof TokenResponseContext c) return c.getAccessTokenResponseBuilder();
        if (context instanceof ResourceOwnerPasswordCredentialsResponseContext c) return c.getAccessTokenResponseBuilder();
        if (context instanceof ServiceAccountTokenResponseContext c) return c.getAccessTokenResponseBuilder();
        if (context instanceof ImplicitHybridTokenResponse c) return c.getAccessTokenResponseBuilder();
        if (context instanceof DeviceTokenResponseContext c) return c.getAccessTokenResponseBuilder();
        if (context instanceof BackchannelTokenResponseContext c) return c.getAccessTokenResponseBuilder();
        return null;
    }

    private void clamp(TokenManager.AccessTokenResponseBuilder builder) {
        // With a refresh token, SessionLimitRefreshTokenProvider has clamped both tokens already (same deadline).
        if (builder.getAccessToken() == null || builder.getRefreshToken() != null || builder.getClientSessionCtx() == null) return;
        AuthenticatedClientSessionModel clientSession = builder.getClientSessionCtx().getClientSession();
        UserSessionModel userSession = clientSession == null ? null : clientSession.getUserSession();
        if (userSession == null) return;
        SessionDeadline deadline = SessionLimitEnforcer.provider(session)
                .tokenRequestDeadline(clientSession.getRealm(), userSession, builder.getClientSessionCtx());
        if (!deadline.enforced()) return;
        SessionLimitRefreshTokenProvider.clamp(builder.getAccessToken(), null, deadline);
        IDToken id = builder.getIdToken();
        if (id != null && (id.getExp() == null || id.getExp() > deadline.epochSeconds())) id.exp(deadline.epochSeconds());
    }
}
