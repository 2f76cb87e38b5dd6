package org.kcbastion.sessionlimits;

import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The sessions of a realm that are past their deadline right now (without a client: realm, remember-me, offline
 * and role caps), read the way the sweeper reads them. In report mode these are the sessions the caps would have
 * ended; the posture report lists them.
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
        long floor = SessionLimitSweeper.smallestPossibleCap(s, realm);
        SessionLimitProvider limits = SessionLimitEnforcer.provider(s);
        List<Overdue> listed = new ArrayList<>();
        long[] total = {0};
        Stream.concat(s.sessions().readOnlyStreamUserSessions(realm), s.sessions().readOnlyStreamOfflineUserSessions(realm))
                .filter(us -> us.getStarted() + floor <= now)
                .forEach(us -> {
                    SessionDeadline d = limits.deadline(realm, us, null);
                    if (!d.passed(now)) return;
                    total[0]++;
                    if (listed.size() < limit) listed.add(overdue(us, d));
                });
        return new Found(total[0], listed);
    }

    private static Overdue overdue(UserSessionModel us, SessionDeadline d) {
        return new Overdue(us.getUser() == null ? null : us.getUser().getId(), us.getUser() == null ? null : us.getUser().getUsername(),
                us.getId(), us.isOffline(), d.source(), d.epochSeconds());
    }
}
