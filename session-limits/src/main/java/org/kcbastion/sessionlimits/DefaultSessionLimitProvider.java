package org.kcbastion.sessionlimits;

import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.Impersonations;
import org.keycloak.models.ClientModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.RoleUtils;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads only what Keycloak already holds in memory for the request (cached realm, client and role data, the loaded
 * session): no database round trip on the refresh path.
 */
final class DefaultSessionLimitProvider implements SessionLimitProvider {

    /** Keycloak's user-session note naming the impersonating admin. */
    static final String IMPERSONATOR_ID = "IMPERSONATOR_ID";

    @Override
    public SessionDeadline deadline(RealmModel realm, UserSessionModel session, ClientModel client) {
        return SessionCaps.deadline(BastionPolicy.Lifetimes.from(realm), facts(session, client));
    }

    static SessionCaps.Facts facts(UserSessionModel session, ClientModel client) {
        OptionalInt clientCap = client == null ? OptionalInt.empty() : SessionCaps.parse(client.getAttribute(SessionCaps.ATTRIBUTE));
        boolean impersonation = session.getNote(IMPERSONATOR_ID) != null;
        return new SessionCaps.Facts(session.getStarted(), session.isOffline(), session.isRememberMe(), impersonation,
                Optional.ofNullable(client).map(ClientModel::getClientId), clientCap, roleCaps(session.getUser()),
                impersonation ? epochNote(session, Impersonations.NOTE_STARTED) : 0,
                impersonation ? epochNote(session, Impersonations.NOTE_EXPIRES) : 0);
    }

    /** An epoch-seconds note Bastion wrote; 0 when absent or unreadable (the session's own start then counts). */
    private static long epochNote(UserSessionModel session, String note) {
        String value = session.getNote(note);
        if (value == null) return 0;
        try {
            return Math.max(0, Long.parseLong(value));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Caps of every role the user holds: direct, composite and through groups. */
    static Map<String, Integer> roleCaps(UserModel user) {
        Map<String, Integer> caps = new LinkedHashMap<>();
        if (user == null) return caps;
        for (RoleModel role : RoleUtils.getDeepUserRoleMappings(user)) {
            SessionCaps.parse(role.getFirstAttribute(SessionCaps.ATTRIBUTE)).ifPresent(cap -> caps.put(role.getName(), cap));
        }
        return caps;
    }
}
