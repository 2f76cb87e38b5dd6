package org.kcbastion.sessionlimits;

import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.provider.Provider;

/**
 * The {@code bastion-session-limit} SPI: the absolute deadline of a user session, which sliding activity (refresh,
 * SSO re-entry) can never move. Bastion enforces whatever the active provider answers, on top of Keycloak's own
 * lifetimes. Replace the default by registering a factory with id {@code default} and a higher {@code order()}, or
 * select another with {@code --spi-bastion-session-limit--provider=<id>}.
 */
public interface SessionLimitProvider extends Provider {

    /**
     * @param client the client the session is being used for, or null for the session as a whole (SSO re-entry, sweeper)
     * @return the deadline, or the earliest of them when several caps apply
     */
    SessionDeadline deadline(RealmModel realm, UserSessionModel session, ClientModel client);

    /**
     * The deadline of {@code session} on a token request: a refresh, a code exchange, any grant that issues tokens.
     * {@code request} is Keycloak's context of that request; what it resolves once per request (the user's roles, the
     * client scopes) a provider reads from it instead of resolving again. {@code session} is the session the tokens
     * live under: the offline copy when the grant has just created one.
     */
    default SessionDeadline tokenRequestDeadline(RealmModel realm, UserSessionModel session, ClientSessionContext request) {
        return deadline(realm, session, request.getClientSession().getClient());
    }

    @Override
    default void close() {
    }
}
