package org.kcbastion.sessionlimits;

import java.util.Objects;

/**
 * When a session must end at the latest, and why.
 * <p>
 * A final class with a record's contract (constructors, accessors, value equality) rather than a record: every token
 * request builds one, and {@link #source()} of a client or role cap is joined only when it is read (by a report or an
 * audit line), never on the refresh path.
 */
public final class SessionDeadline {

    private final long epochSeconds;
    private final long capSeconds;
    private final String sourceKind;
    private final String sourceName;
    private final boolean enforced;

    /**
     * @param epochSeconds the absolute deadline: the session's start plus {@code capSeconds}
     * @param capSeconds   the cap that produced it
     * @param source       which cap: {@code realm}, {@code remember_me}, {@code offline}, {@code client:<clientId>},
     *                     {@code role:<role>} or {@code impersonation}
     * @param enforced     false when the realm runs its caps in report mode ({@code bastion.session.enforce=report}):
     *                     the session is reported at its deadline and lives on. Impersonation lifetimes are always enforced.
     */
    public SessionDeadline(long epochSeconds, long capSeconds, String source, boolean enforced) {
        this(epochSeconds, capSeconds, Objects.requireNonNull(source, "source"), null, enforced);
    }

    public SessionDeadline(long epochSeconds, long capSeconds, String source) {
        this(epochSeconds, capSeconds, source, true);
    }

    /** A cap named by kind and name ({@code client} and a client id): the source reads {@code kind:name}. */
    SessionDeadline(long epochSeconds, long capSeconds, String sourceKind, String sourceName, boolean enforced) {
        this.epochSeconds = epochSeconds;
        this.capSeconds = capSeconds;
        this.sourceKind = sourceKind;
        this.sourceName = sourceName;
        this.enforced = enforced;
    }

    public long epochSeconds() {
        return epochSeconds;
    }

    public long capSeconds() {
        return capSeconds;
    }

    public String source() {
        return sourceName == null ? sourceKind : sourceKind + ":" + sourceName;
    }

    public boolean enforced() {
        return enforced;
    }

    public boolean passed(long nowSeconds) {
        return nowSeconds >= epochSeconds;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionDeadline d && d.epochSeconds == epochSeconds && d.capSeconds == capSeconds
                && d.enforced == enforced && d.source().equals(source());
    }

    @Override
    public int hashCode() {
        return Objects.hash(epochSeconds, capSeconds, source(), enforced);
    }

    @Override
    public String toString() {
        return "SessionDeadline[epochSeconds=" + epochSeconds + ", capSeconds=" + capSeconds + ", source=" + source()
                + ", enforced=" + enforced + "]";
    }
}
