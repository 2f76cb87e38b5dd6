package org.kcbastion.sessionlimits;

import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.Impersonations;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.RoleUtils;

import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * Reads only what Keycloak already holds in memory for the request (cached realm, client and role data, the loaded
 * session): no database round trip on the refresh path.
 */
final class DefaultSessionLimitProvider implements SessionLimitProvider {

    /** Keycloak's user-session note naming the impersonating admin. */
    static final String IMPERSONATOR_ID = "IMPERSONATOR_ID";

    @Override
    public SessionDeadline deadline(RealmModel realm, UserSessionModel session, ClientModel client) {
        return SessionCaps.deadline(BastionPolicy.Lifetimes.from(realm), facts(session, client, deepRoles(session.getUser())));
    }

    /**
     * For a client with full scope, Keycloak's own roles of the request are every role the user holds, expanded
     * ({@code TokenManager.getAccess}); its token mappers read the same set, which the context resolves once per request.
     * Reading it here adds no second expansion of the user's roles to a refresh. A client without full scope sees
     * only its scope's share of them, so its sessions expand the user's roles themselves.
     */
    @Override
    public SessionDeadline tokenRequestDeadline(RealmModel realm, UserSessionModel session, ClientSessionContext request) {
        ClientModel client = request.getClientSession().getClient();
        Stream<RoleModel> roles = client.isFullScopeAllowed() ? request.getRolesStream() : deepRoles(session.getUser());
        return SessionCaps.deadline(BastionPolicy.Lifetimes.cached(realm), facts(session, client, roles));
    }

    private static SessionCaps.Facts facts(UserSessionModel session, ClientModel client, Stream<RoleModel> roles) {
        OptionalInt clientCap = client == null ? OptionalInt.empty() : SessionCaps.parse(client.getAttribute(SessionCaps.ATTRIBUTE));
        boolean impersonation = session.getNote(IMPERSONATOR_ID) != null;
        return new SessionCaps.Facts(session.getStarted(), session.isOffline(), session.isRememberMe(), impersonation,
                Optional.ofNullable(client).map(ClientModel::getClientId), clientCap, roleCaps(roles),
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

    /** Every role the user holds: direct, composite and through groups. */
    private static Stream<RoleModel> deepRoles(UserModel user) {
        return user == null ? Stream.empty() : RoleUtils.getDeepUserRoleMappings(user).stream();
    }

    /**
     * The smallest cap among {@code roles}, by role name (empty when none has a cap): the only one
     * {@link SessionCaps#deadline} can pick. A plain loop with no map of every cap, since it runs on each refresh.
     */
    static Map<String, Integer> roleCaps(Stream<RoleModel> roles) {
        String smallestRole = null;
        int smallest = Integer.MAX_VALUE;
        for (Iterator<RoleModel> it = roles.iterator(); it.hasNext(); ) {
            RoleModel role = it.next();
            String value = role.getFirstAttribute(SessionCaps.ATTRIBUTE);
            if (value == null) continue;
            OptionalInt cap = SessionCaps.parse(value);
            if (cap.isPresent() && cap.getAsInt() < smallest) {
                smallest = cap.getAsInt();
                smallestRole = role.getName();
            }
        }
        return smallestRole == null ? Map.of() : Map.of(smallestRole, smallest);
    }
}
