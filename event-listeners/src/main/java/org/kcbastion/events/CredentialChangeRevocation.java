package org.kcbastion.events;

import org.jboss.logging.Logger;
import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.SecurityAudit;
import org.kcbastion.core.SessionRevoker;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

import java.util.Map;

/** Applies the realm's policy to an admin credential change: revoke every session of the user, or record why not. */
final class CredentialChangeRevocation {

    private static final Logger LOG = Logger.getLogger(CredentialChangeRevocation.class);

    private CredentialChangeRevocation() {
    }

    static void apply(KeycloakSession session, RealmModel realm, CredentialChange change, String adminUsername, String adminIp) {
        UserModel user = session.users().getUserById(realm, change.userId());
        if (user == null) return;
        if (!BastionPolicy.from(realm).revokeOnAdminCredentialChange()) {
            SecurityAudit.record("revocation_disabled", realm.getName(),
                    Map.of("trigger", change.trigger(), "user_id", user.getId()));
            return;
        }
        try {
            SessionRevoker.revokeAll(session, realm, user,
                    new SessionRevoker.Request(change.trigger(), change.change(), adminUsername, adminIp, true,
                            change.credentialTypes()));
        } catch (RuntimeException e) {
            // A credential change must not stand without its revocation: undo both.
            LOG.errorf(e, "Bastion could not revoke the sessions of user %s in realm %s; rolling back the change",
                    user.getId(), realm.getName());
            SecurityAudit.record("revocation_failed", realm.getName(),
                    Map.of("trigger", change.trigger(), "user_id", user.getId(), "reason", e.toString()));
            session.getTransactionManager().setRollbackOnly();
        }
    }
}
