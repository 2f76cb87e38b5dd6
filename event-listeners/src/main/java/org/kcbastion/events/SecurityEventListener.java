package org.kcbastion.events;

import org.kcbastion.core.AdminPaths;
import org.kcbastion.core.ImpersonationFlow;
import org.kcbastion.core.Impersonations;
import org.kcbastion.core.PolicyTab;
import org.keycloak.events.Event;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventType;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

/**
 * Runs inside the admin's request transaction (Keycloak delivers success events synchronously), so a revocation it
 * starts commits or rolls back together with the credential change that caused it.
 */
final class SecurityEventListener implements EventListenerProvider {

    private final KeycloakSession session;

    SecurityEventListener(KeycloakSession session) {
        this.session = session;
    }

    @Override
    public void onEvent(Event event) {
        if (event.getType() == EventType.LOGIN) {
            StaleLoginGuard.check(session, event);
        } else if (event.getType() == EventType.IMPERSONATE) {
            RealmModel realm = session.realms().getRealm(event.getRealmId());
            if (realm != null) ImpersonationFlow.of(session).started(realm, event.getSessionId());
        } else if (event.getType() == EventType.LOGOUT && event.getSessionId() != null && !endedByBastion(event)) {
            RealmModel realm = session.realms().getRealm(event.getRealmId());
            if (realm != null) Impersonations.endedByKeycloak(session, realm, event.getSessionId(), Impersonations.END_LOGOUT);
        }
    }

    /** Bastion's own ends write their audit line themselves. */
    private static boolean endedByBastion(Event event) {
        String reason = event.getDetails() == null ? null : event.getDetails().get("reason");
        return reason != null && java.util.Set.of(Impersonations.END_EXPIRED, Impersonations.END_BY_ADMIN,
                Impersonations.END_ADMIN_SESSION, "session_limit_reached").contains(reason);
    }

    @Override
    public void onEvent(AdminEvent event, boolean includeRepresentation) {
        // An admin deleting the session through Keycloak's own API (DELETE sessions/{id}) ends an impersonation too.
        String path = AdminPaths.normalize(event.getResourcePath());
        if (event.getOperationType() == OperationType.DELETE && path != null && path.startsWith("sessions/")) {
            RealmModel realm = session.realms().getRealm(event.getRealmId());
            if (realm != null) Impersonations.endedByKeycloak(session, realm,
                    path.substring("sessions/".length()), Impersonations.END_BY_ADMIN);
        }
        // A realm update (PUT {realm}, the console's ui-ext) may have changed the policy: the tab's form mirrors it.
        if (event.getResourceType() == ResourceType.REALM && event.getOperationType() == OperationType.UPDATE) {
            RealmModel realm = session.realms().getRealm(event.getRealmId());
            if (realm != null) PolicyTab.mirror(realm);
            return;
        }
        if (event.getResourceType() != ResourceType.USER || event.getOperationType() == null) return;
        CredentialChangeFlow.of(session).adminEvent(event, path);
    }

    @Override
    public void close() {
    }
}
