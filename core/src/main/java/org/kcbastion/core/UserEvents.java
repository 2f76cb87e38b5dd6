package org.kcbastion.core;

import org.keycloak.events.EventBuilder;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

/** Keycloak user events from Bastion's code paths, which also run without a client connection (the sweeper). */
public final class UserEvents {

    private UserEvents() {
    }

    public static EventBuilder builder(KeycloakSession session, RealmModel realm) {
        return session.getContext().getConnection() == null ? new EventBuilder(realm, session)
                : new EventBuilder(realm, session, session.getContext().getConnection());
    }
}
