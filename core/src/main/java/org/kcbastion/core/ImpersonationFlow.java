package org.kcbastion.core;

import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.provider.Provider;
import org.keycloak.services.resources.admin.AdminAuth;

/**
 * One impersonation, in the order it happens. Keycloak's own endpoint ({@code POST users/{id}/impersonation}) creates
 * the session, so Bastion acts before and after it, both times here:
 * <ol>
 *   <li>{@link #authorize}: Bastion's request filter asks before the endpoint runs. The guard decides and audits a
 *       refusal (Keycloak's {@code IMPERSONATE_ERROR} event, {@code impersonation_denied}, the security contact's
 *       notice); the filter answers it. An allowance is kept as this request's grant.</li>
 *   <li>Keycloak's endpoint creates the session and fires {@code IMPERSONATE}.</li>
 *   <li>{@link #started}: Bastion's event listener hands over the new session, which gets the grant's reason, admin
 *       session digest and expiry as notes, the start audit line and the notices ({@link Impersonations#started}).</li>
 *   <li>The end, whoever ends it: the deadline (refresh, sweeper), an admin, the admin's own session ending, a sign-out
 *       ({@link Impersonations#end}, {@link Impersonations#endedByKeycloak}).</li>
 * </ol>
 * One instance per Keycloak session, that is per HTTP request: a grant never outlives the request that earned it, and
 * the session it stamps is the one Keycloak created in that request.
 */
public final class ImpersonationFlow implements Provider {

    private final KeycloakSession session;
    private Impersonations.Grant granted;

    ImpersonationFlow(KeycloakSession session) {
        this.session = session;
    }

    public static ImpersonationFlow of(KeycloakSession session) {
        return session.getProvider(ImpersonationFlow.class);
    }

    /** The guard's decision on impersonating {@code target}; a refusal is already audited when this returns. */
    public PrivilegedActionGuard.Decision authorize(RealmModel realm, AdminAuth admin,
                                                    UserModel target, String reason, String clientIp) {
        PrivilegedActionGuard.Decision decision = PrivilegedActionGuard.decide(session,
                new PrivilegedActionGuard.Request(PrivilegedActionGuard.Action.IMPERSONATE, realm, admin, target, reason, clientIp));
        if (!decision.allowed()) return decision;
        // Keycloak itself ends a same-realm admin's session when impersonating; only a cross-realm admin's session
        // lives on, and the impersonation is tied to it.
        boolean sameRealm = admin.getRealm().getId().equals(realm.getId());
        String adminSession = decision.adminSession() == null || sameRealm ? null
                : BastionKeys.digests(session).hmac(decision.adminSession().getId());
        UserModel adminUser = admin.getUser();
        granted = new Impersonations.Grant(decision.reason(), admin.getRealm().getId(), adminUser == null ? null : adminUser.getId(),
                adminUser == null ? null : adminUser.getUsername(), adminSession, clientIp);
        return decision;
    }

    /**
     * Keycloak's {@code IMPERSONATE} event named {@code sessionId}: stamps it with this request's grant. Without one
     * (an impersonation Bastion's filter did not see) the session still gets its deadline and is audited as unguarded.
     */
    public void started(RealmModel realm, String sessionId) {
        Impersonations.Grant grant = granted;
        granted = null;
        Impersonations.started(session, realm, sessionId, grant);
    }

    @Override
    public void close() {
    }
}
