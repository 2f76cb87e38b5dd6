package org.kcbastion.sessionlimits;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.UriInfo;
import org.keycloak.OAuthErrorException;
import org.keycloak.common.ClientConnection;
import org.keycloak.common.util.Time;
import org.keycloak.events.EventBuilder;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.TokenManager;
import org.keycloak.protocol.oidc.refresh.DefaultRefreshTokenProvider;
import org.keycloak.protocol.oidc.refresh.InitialRefreshTokenContext;
import org.keycloak.protocol.oidc.refresh.RefreshTokenContext;
import org.keycloak.representations.AccessToken;
import org.keycloak.representations.RefreshToken;

/**
 * Refuses a refresh (online or offline) once the session passed its deadline, and never issues an access or
 * refresh token that outlives it.
 */
final class SessionLimitRefreshTokenProvider extends DefaultRefreshTokenProvider {

    static final String LIMIT_REACHED = "Session reached its maximum lifetime";

    /**
     * The deadline {@link #validateToken} computed, and the session it is for; reused by {@link #refreshAccessToken}
     * and {@link #generateRefreshToken} of the same refresh (one provider per request), so a refresh computes it once.
     */
    private SessionDeadline validated;
    private UserSessionModel validatedSession;
    /** The deadline {@link #generateRefreshToken} clamped this request's tokens to, so a refresh clamps them once. */
    private SessionDeadline clampedTo;
    /** The server's one session-limit provider when it is stateless, else null (looked up per request). */
    private final SessionLimitProvider limits;

    SessionLimitRefreshTokenProvider(KeycloakSession session, SessionLimitProvider limits) {
        super(session);
        this.limits = limits;
    }

    private SessionLimitProvider limits() {
        return limits != null ? limits : SessionLimitEnforcer.provider(session);
    }

    @Override
    public RefreshToken generateRefreshToken(InitialRefreshTokenContext ctx) {
        RefreshToken refreshToken = super.generateRefreshToken(ctx);
        var clientSession = ctx.clientSessionCtx().getClientSession();
        RealmModel realm = clientSession.getRealm();
        UserSessionModel userSession = clientSession.getUserSession();
        if (ctx.offlineTokenRequested() && !userSession.isOffline()) {
            // The grant just created the offline copy; its cap (the offline one) is what this token lives under.
            UserSessionModel offline = session.sessions().getOfflineUserSession(realm, userSession.getId());
            if (offline != null) userSession = offline;
        }
        SessionDeadline deadline = sameSession(userSession, validatedSession) && validated != null ? validated
                : limits().tokenRequestDeadline(realm, userSession, ctx.clientSessionCtx());
        clamp(ctx.responseBuilder().getAccessToken(), refreshToken, deadline);
        clampedTo = deadline;
        return refreshToken;
    }

    @Override
    protected TokenManager.TokenValidation validateToken(KeycloakSession session, UriInfo uriInfo, ClientConnection connection,
                                                         RealmModel realm, RefreshToken oldToken, HttpHeaders headers,
                                                         String scope, ClientModel client, TokenManager tokenManager,
                                                         EventBuilder event) throws OAuthErrorException {
        TokenManager.TokenValidation validation = super.validateToken(session, uriInfo, connection, realm, oldToken, headers,
                scope, client, tokenManager, event);
        UserSessionModel userSession = validation.userSession;
        SessionDeadline deadline = limits().tokenRequestDeadline(realm, userSession, validation.clientSessionCtx);
        validated = deadline;
        validatedSession = userSession;
        if (deadline.passed(Time.currentTime()) && !deadline.enforced()) {
            SessionLimitEnforcer.report(session, realm, userSession, deadline, "refresh");
        } else if (deadline.passed(Time.currentTime())) {
            SessionLimitEnforcer.endInOwnTransaction(session.getKeycloakSessionFactory(), realm.getId(), userSession.getId(),
                    userSession.isOffline(), deadline, "refresh");
            throw new OAuthErrorException(OAuthErrorException.INVALID_GRANT, LIMIT_REACHED);
        }
        return validation;
    }

    @Override
    public TokenManager.AccessTokenResponseBuilder refreshAccessToken(RefreshTokenContext ctx) throws OAuthErrorException {
        TokenManager.AccessTokenResponseBuilder builder = super.refreshAccessToken(ctx);
        // Keycloak generated the refresh token through this provider (the client uses refresh tokens), after the access
        // token and before the ID token, which copies its expiry: both are clamped to the validated deadline already.
        if (validated != null && clampedTo == validated) return builder;
        SessionDeadline deadline = validated;
        if (deadline == null) {
            var clientSession = builder.getClientSessionCtx().getClientSession();
            deadline = limits().tokenRequestDeadline(clientSession.getRealm(), clientSession.getUserSession(),
                    builder.getClientSessionCtx());
        }
        clamp(builder.getAccessToken(), builder.getRefreshToken(), deadline);
        return builder;
    }

    private static boolean sameSession(UserSessionModel a, UserSessionModel b) {
        // Keycloak hands the validated session on to the refresh token it generates: the same object, as a rule.
        return a == b ? a != null : a != null && b != null && a.getId().equals(b.getId()) && a.isOffline() == b.isOffline();
    }

    /** No token of the session may be valid past its deadline. */
    static void clamp(AccessToken access, RefreshToken refresh, SessionDeadline deadline) {
        if (!deadline.enforced()) return;
        long limit = deadline.epochSeconds();
        if (access != null && (access.getExp() == null || access.getExp() > limit)) access.exp(limit);
        if (refresh != null && (refresh.getExp() == null || refresh.getExp() == 0 || refresh.getExp() > limit)) refresh.exp(limit);
    }
}
