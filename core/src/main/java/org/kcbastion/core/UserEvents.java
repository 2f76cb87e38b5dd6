package org.kcbastion.core;

import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

import java.util.List;
import java.util.Map;

/** Keycloak user events from Bastion's code paths, which also run without a client connection (the sweeper). */
public final class UserEvents {

    private UserEvents() {
    }

    public static EventBuilder builder(KeycloakSession session, RealmModel realm) {
        return session.getContext().getConnection() == null ? new EventBuilder(realm, session)
                : new EventBuilder(realm, session, session.getContext().getConnection());
    }

    /**
     * Keycloak's {@code LOGOUT} event for a session Bastion ended (a cap, an impersonation's end), with {@code reason}
     * and {@code details}. Keycloak's Shared Signals transmitter turns it into a {@code session-revoked}, but only on a
     * request thread: off a request (the sweeper) its subject filter needs the request URL and drops the event, so
     * Bastion queues that {@code session-revoked} itself once the caller's transaction committed ({@link SharedSignals}).
     */
    public static void sessionEnded(KeycloakSession session, RealmModel realm, String userId, String sessionId, String reason,
                                    Map<String, ?> details) {
        EventBuilder event = builder(session, realm).event(EventType.LOGOUT).user(userId).session(sessionId)
                .detail(Details.REASON, reason);
        details.forEach((k, v) -> event.detail(k, String.valueOf(v)));
        event.success();
        if (userId != null && SharedSignals.active(session, realm) && !SharedSignals.onRequest(session)) {
            SharedSignals.queueAfterCommit(session, realm, SharedSignals.Revocation.byPolicy(userId, List.of(sessionId), reason));
        }
    }
}
