package org.kcbastion.events;

import com.fasterxml.jackson.core.type.TypeReference;
import org.kcbastion.core.BastionKeys;
import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.SecurityAudit;
import org.keycloak.events.Event;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.util.JsonSerialization;

import java.io.IOException;
import java.util.Map;

/**
 * Closes the in-flight gap of a revocation: a browser login that passed its password step before an admin reset the
 * credentials, and finishes (e.g. with OTP) afterwards. Keycloak records when each authenticator of the login completed
 * (user-session note {@code authenticators-completed}); if any step completed before the user's {@code notBefore},
 * the login rests on revoked credentials, so the session it just created is removed before the code can be redeemed.
 */
final class StaleLoginGuard {

    private StaleLoginGuard() {
    }

    static void check(KeycloakSession session, Event login) {
        if (login.getSessionId() == null || login.getUserId() == null) return;
        RealmModel realm = session.realms().getRealm(login.getRealmId());
        if (realm == null || !BastionPolicy.from(realm).revokeOnAdminCredentialChange()) return;
        UserModel user = session.users().getUserById(realm, login.getUserId());
        if (user == null) return;
        long notBefore = session.users().getNotBeforeOfUser(realm, user);
        if (notBefore <= 0) return;
        UserSessionModel userSession = session.sessions().getUserSession(realm, login.getSessionId());
        if (userSession == null) return;
        long firstStep = firstCompletedStep(userSession.getNote(Constants.AUTHENTICATORS_COMPLETED));
        if (firstStep >= notBefore) return;
        session.sessions().removeUserSession(realm, userSession);
        SecurityAudit.record("stale_login_refused", realm.getName(), Map.of(
                "user_id", user.getId(),
                "session", BastionKeys.digests(session).hmac(login.getSessionId()),
                "first_step_at", firstStep,
                "not_before", notBefore));
    }

    /** Epoch seconds of the earliest completed authenticator, or {@code Long.MAX_VALUE} if none is recorded. */
    static long firstCompletedStep(String note) {
        if (note == null || note.isBlank()) return Long.MAX_VALUE;
        try {
            Map<String, Integer> steps = JsonSerialization.readValue(note, new TypeReference<Map<String, Integer>>() {
            });
            return steps.values().stream().mapToLong(Integer::longValue).min().orElse(Long.MAX_VALUE);
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }
}
