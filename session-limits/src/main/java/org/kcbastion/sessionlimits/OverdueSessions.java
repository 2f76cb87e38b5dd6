package org.kcbastion.sessionlimits;

import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;

import java.util.ArrayList;
import java.util.List;

/**
 * The sessions of a realm that are past their deadline right now (without a client: realm, remember-me, offline
 * and role caps), found the way the sweeper finds them (at most {@link SweepCandidates#MAX_PER_REALM} candidates).
 * In report mode these are the sessions the caps would have ended; the posture report lists them.
 */
public final class OverdueSessions {

    /** One overdue session; {@code username} may be null when the user is gone. */
    public record Overdue(String userId, String username, String sessionId, boolean offline, String source, long deadline) {
    }

    /** {@code total} counts all of them; {@code listed} holds the first {@code limit}. */
    public record Found(long total, List<Overdue> listed) {
    }

    private OverdueSessions() {
    }

    public static Found find(KeycloakSession s, RealmModel realm, int limit) {
        long now = Time.currentTime();
        SessionLimitProvider limits = SessionLimitEnforcer.provider(s);
        List<Overdue> listed = new ArrayList<>();
        long total = 0;
        for (SweepCandidates.Candidate c : SweepCandidates.find(s, realm, now, SweepCandidates.roleCaps(s, realm), List.of())) {
            UserSessionModel us = SweepCandidates.load(s, realm, c);
            if (us == null) continue;
            SessionDeadline d = limits.deadline(realm, us, null);
            if (!d.passed(now)) continue;
            total++;
            if (listed.size() < limit) listed.add(overdue(us, d));
        }
        return new Found(total, listed);
    }

    private static Overdue overdue(UserSessionModel us, SessionDeadline d) {
        return new Overdue(us.getUser() == null ? null : us.getUser().getId(), us.getUser() == null ? null : us.getUser().getUsername(),
                us.getId(), us.isOffline(), d.source(), d.epochSeconds());
    }
}
