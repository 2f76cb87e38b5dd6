package org.kcbastion.admin;

import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.services.resources.admin.AdminRoot;

import java.util.Optional;

/** What the guard filters need before Keycloak's admin resources run. */
final class AdminRequests {

    private AdminRequests() {
    }

    /**
     * The admin behind the request's bearer token; empty when there is no valid one (Keycloak then answers 401 itself).
     * Leaves the context realm as it found it: Keycloak's authentication sets it to the admin's realm, and Keycloak's
     * cookie path resolver caches the realm path on first use.
     */
    static Optional<AdminAuth> authenticate(KeycloakSession session) {
        RealmModel contextRealm = session.getContext().getRealm();
        try {
            return Optional.of(AdminRoot.authenticateRealmAdminRequest(session));
        } catch (RuntimeException e) {
            return Optional.empty();
        } finally {
            session.getContext().setRealm(contextRealm);
        }
    }
}
