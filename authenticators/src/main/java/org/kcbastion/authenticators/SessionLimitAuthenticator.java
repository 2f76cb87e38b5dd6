package org.kcbastion.authenticators;

import org.kcbastion.sessionlimits.SessionDeadline;
import org.kcbastion.sessionlimits.SessionLimitEnforcer;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.managers.AuthenticationManager;

/** Checks the SSO cookie's session against its deadline; never signs anybody in by itself. */
final class SessionLimitAuthenticator implements RequiredStep {

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        KeycloakSession session = context.getSession();
        RealmModel realm = context.getRealm();
        AuthenticationManager.AuthResult cookie = AuthenticationManager.authenticateIdentityCookie(session, realm, true);
        if (cookie != null && cookie.session() != null) {
            SessionDeadline deadline = SessionLimitEnforcer.provider(session).deadline(realm, cookie.session(), null);
            if (deadline.passed(Time.currentTime())) {
                SessionLimitEnforcer.end(session, realm, cookie.session(), deadline, "sso_cookie");
                AuthenticationManager.expireIdentityCookie(session);
            }
        }
        context.success();
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        context.success();
    }

    @Override
    public boolean requiresUser() {
        return false;
    }
}
