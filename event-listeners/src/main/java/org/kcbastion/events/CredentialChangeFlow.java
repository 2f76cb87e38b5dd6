package org.kcbastion.events;

import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.AuthDetails;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.provider.Provider;

import java.util.List;

/**
 * An admin's change of a user's credentials, in the order a request runs. Keycloak's own endpoints make the change;
 * Bastion revokes every session of the user in the same transaction ({@link CredentialChangeRevocation#apply}).
 * <ol>
 *   <li>{@link #updateCarriesCredentials} / {@link #disablesCredentials}: {@link CredentialChangeFilter} reads the body
 *       before Keycloak's endpoint does, for the two changes the admin event cannot tell: {@code PUT users/{id}} with
 *       {@code credentials} (Keycloak strips them from the event) and {@code PUT users/{id}/disable-credential-types}
 *       (no admin event at all).</li>
 *   <li>Keycloak's endpoint changes the credential and emits its admin event, synchronously.</li>
 *   <li>{@link #adminEvent}: {@link SecurityEventListener} passes every user admin event; a password reset, a removed
 *       credential, or an update whose body carried credentials revokes.</li>
 *   <li>{@link #responded}: the filter's response phase, for {@code disable-credential-types}: a 2xx revokes, still
 *       inside the request's transaction.</li>
 * </ol>
 * One instance per Keycloak session, that is per HTTP request: what step 1 saw never reaches another request.
 */
public final class CredentialChangeFlow implements Provider {

    private final KeycloakSession session;
    /** The user whose update carried credentials, and the types they were. */
    private String updatedUserId;
    /** The user whose stored credential types the request disables. */
    private String disabledUserId;
    private List<String> types = List.of();

    CredentialChangeFlow(KeycloakSession session) {
        this.session = session;
    }

    static CredentialChangeFlow of(KeycloakSession session) {
        return session.getProvider(CredentialChangeFlow.class);
    }

    void updateCarriesCredentials(String userId, List<String> credentialTypes) {
        updatedUserId = userId;
        types = List.copyOf(credentialTypes);
    }

    void disablesCredentials(String userId, List<String> storedTypes) {
        disabledUserId = userId;
        types = List.copyOf(storedTypes);
    }

    void adminEvent(AdminEvent event, String path) {
        boolean credentialsInBody = path != null && updatedUserId != null && path.equals("users/" + updatedUserId);
        CredentialChange.fromAdminEvent(event.getOperationType().name(), path, event.getRealmId(), credentialsInBody)
                .map(change -> CredentialChange.CREDENTIALS_SET.equals(change.trigger()) ? change.withCredentialTypes(types) : change)
                .ifPresent(change -> {
                    RealmModel realm = session.realms().getRealm(change.realm());
                    if (realm == null) return;
                    AuthDetails auth = event.getAuthDetails();
                    CredentialChangeRevocation.apply(session, realm, change, adminUsername(auth),
                            auth == null ? null : auth.getIpAddress());
                });
    }

    void responded(String realmName, String userId) {
        if (!userId.equals(disabledUserId)) return;
        RealmModel realm = session.realms().getRealmByName(realmName);
        if (realm == null) return;
        UserSessionModel adminSession = session.getContext().getUserSession();
        String admin = adminSession == null ? null : adminSession.getUser().getUsername();
        String ip = session.getContext().getConnection() == null ? null : session.getContext().getConnection().getRemoteAddr();
        CredentialChangeRevocation.apply(session, realm, new CredentialChange(CredentialChange.CREDENTIAL_DISABLED,
                "bastionChangeCredentialDisabled", realm.getId(), userId, types), admin, ip);
    }

    private String adminUsername(AuthDetails auth) {
        if (auth == null || auth.getUserId() == null) return null;
        RealmModel adminRealm = session.realms().getRealm(auth.getRealmId());
        UserModel admin = adminRealm == null ? null : session.users().getUserById(adminRealm, auth.getUserId());
        return admin == null ? auth.getUserId() : admin.getUsername();
    }

    @Override
    public void close() {
    }
}
