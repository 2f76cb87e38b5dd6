package org.kcbastion.sessionlimits;

/**
 * When a session must end at the latest, and why.
 *
 * @param epochSeconds  the absolute deadline: the session's start plus {@code capSeconds}
 * @param capSeconds    the cap that produced it
 * @param source        which cap: {@code realm}, {@code remember_me}, {@code offline}, {@code client:<clientId>},
 *                      {@code role:<role>} or {@code impersonation}
 * @param enforced      false when the realm runs its caps in report mode ({@code bastion.session.enforce=report}):
 *                      the session is reported at its deadline and lives on. Impersonation lifetimes are always enforced.
 */
public record SessionDeadline(long epochSeconds, long capSeconds, String source, boolean enforced) {

    public SessionDeadline(long epochSeconds, long capSeconds, String source) {
        this(epochSeconds, capSeconds, source, true);
    }

    public boolean passed(long nowSeconds) {
        return nowSeconds >= epochSeconds;
    }
}
