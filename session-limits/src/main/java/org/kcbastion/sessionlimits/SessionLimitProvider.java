package org.kcbastion.sessionlimits;

import org.keycloak.models.ClientModel;
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

    @Override
    default void close() {
    }
}
