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

import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Reads only what Keycloak already holds in memory for the request (cached realm, client and role data, the loaded
 * session): no database round trip on the refresh path.
 */
final class DefaultSessionLimitProvider implements SessionLimitProvider {

    /**
     * The policy applied when no provider of SPI {@code bastion-session-limit} is enabled ({@link
     * SessionLimitEnforcer#provider}). Stateless, so one shared instance is safe.
     */
    static final SessionLimitProvider WHEN_NONE_ENABLED = new DefaultSessionLimitProvider();

    /** Keycloak's user-session note naming the impersonating admin. */
    static final String IMPERSONATOR_ID = "IMPERSONATOR_ID";

    @Override
    public SessionDeadline deadline(RealmModel realm, UserSessionModel session, ClientModel client) {
        return deadline(BastionPolicy.Lifetimes.from(realm), session, client, deepRoles(session.getUser()), null);
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
        RealmLimits limits = RealmLimits.of(realm);
        return deadline(limits.lifetimes(), session, client, roles, limits.roleCaps());
    }

    /**
     * One pass over the session's roles keeping only the smallest cap (the only one {@link SessionCaps#deadline} can
     * pick), and plain values in the facts: this runs on every token request, so it allocates one small accumulator and
     * no map, optional or string. With the realm's {@link RoleCapIndex} a role's cap is one lookup by its id, and the
     * pass is skipped where no role of the realm has a cap below the session's other caps, and ends at a held role with
     * the realm's smallest; without it (null), each role's attribute is read.
     */
    private static SessionDeadline deadline(BastionPolicy.Lifetimes lifetimes, UserSessionModel session, ClientModel client,
                                            Stream<RoleModel> roles, RoleCapIndex index) {
        int clientCap = client == null ? 0 : cap(client.getAttribute(SessionCaps.ATTRIBUTE));
        boolean offline = session.isOffline();
        boolean rememberMe = session.isRememberMe();
        SmallestRoleCap smallest = new SmallestRoleCap(index);
        if (index == null || index.smallest() > 0
                && index.smallest() < SessionCaps.capBeforeRoles(lifetimes, offline, rememberMe, clientCap)) {
            roles.anyMatch(smallest);
        }
        boolean impersonation = session.getNote(IMPERSONATOR_ID) != null;
        return SessionCaps.deadline(lifetimes, new SessionCaps.Facts(session.getStarted(), offline, rememberMe, impersonation,
                client == null ? null : client.getClientId(), clientCap, smallest.role, smallest.cap,
                impersonation ? epochNote(session, Impersonations.NOTE_STARTED) : 0,
                impersonation ? epochNote(session, Impersonations.NOTE_EXPIRES) : 0));
    }

    /**
     * The smallest role cap met so far and its role's name; the first one met among equals. True (the walk ends) at a
     * role with the realm's smallest cap, as no later role can be below it.
     */
    private static final class SmallestRoleCap implements Predicate<RoleModel> {
        private final RoleCapIndex index;
        String role;
        int cap;

        SmallestRoleCap(RoleCapIndex index) {
            this.index = index;
        }

        @Override
        public boolean test(RoleModel r) {
            int c = index == null ? smallestCap(r) : index.cap(r.getId());
            if (c > 0 && (role == null || c < cap)) {
                cap = c;
                role = r.getName();
                return index != null && c == index.smallest();
            }
            return false;
        }
    }

    /**
     * The role's cap read off the role: the smallest of its values, as {@link RoleCapIndex} and the sweeper read it
     * from the database, so a role given two values is capped alike on every path.
     */
    private static int smallestCap(RoleModel r) {
        return r.getAttributeStream(SessionCaps.ATTRIBUTE).mapToInt(DefaultSessionLimitProvider::cap).filter(c -> c > 0).min().orElse(0);
    }

    /** A client or role cap as enforced ({@link BastionPolicy#effectiveCapSeconds}); 0 when the attribute is unset. */
    private static int cap(String value) {
        return BastionPolicy.effectiveCapSecondsOrZero(value);
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

    /** One instance serves every session of the server ({@link DefaultSessionLimitProviderFactory}): nothing to release. */
    @Override
    public void close() {
    }
}
