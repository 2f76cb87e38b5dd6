package org.kcbastion.core;

import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;

/**
 * "Run this in realm R's own transaction": a new Keycloak session and transaction, with the realm in its context
 * (mail templates, signing keys, issuers and events read it from there). Nothing runs when the realm is gone by then.
 */
public final class RealmJobs {

    /** The work, given the new session and the realm it was asked for. */
    @FunctionalInterface
    public interface Job {
        void run(KeycloakSession session, RealmModel realm);
    }

    private RealmJobs() {
    }

    public static void inRealm(KeycloakSessionFactory factory, String realmId, Job job) {
        KeycloakModelUtils.runJobInTransaction(factory, session -> {
            RealmModel realm = session.realms().getRealm(realmId);
            if (realm == null) return;
            session.getContext().setRealm(realm);
            job.run(session, realm);
        });
    }
}
