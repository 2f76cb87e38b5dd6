package org.kcbastion.sessionlimits;

/**
 * When a session must end at the latest, and why.
 *
 * @param epochSeconds  the absolute deadline: the session's start plus {@code capSeconds}
 * @param capSeconds    the cap that produced it
 * @param source        which cap: {@code realm}, {@code remember_me}, {@code offline}, {@code client:<clientId>},
 *                      {@code role:<role>} or {@code impersonation}
 */
public record SessionDeadline(long epochSeconds, long capSeconds, String source) {

    public boolean passed(long nowSeconds) {
        return nowSeconds >= epochSeconds;
    }
}
