package org.kcbastion.core;

import java.util.Optional;

/**
 * The step-up record in a user session: note {@value #NOTE} = {@code <epoch seconds>:<factors>}, written by the
 * {@code bastion-step-up} authenticator only after it verified the password and a second factor in this session.
 */
public record StepUp(long epochSeconds, String factors) {

    public static final String NOTE = "bastion.step-up";
    /**
     * The reason an admin typed on the step-up page: the admin console cannot send one with its Impersonate button, so
     * the guard falls back to it while the step-up is fresh.
     */
    public static final String REASON_NOTE = "bastion.step-up.reason";

    public static Optional<StepUp> parse(String note) {
        if (note == null) return Optional.empty();
        int colon = note.indexOf(':');
        try {
            long at = Long.parseLong(colon < 0 ? note : note.substring(0, colon));
            return Optional.of(new StepUp(at, colon < 0 ? "" : note.substring(colon + 1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public String note() {
        return epochSeconds + ":" + factors;
    }

    /** Fresh when taken no more than {@code maxAgeSeconds} ago (and not in the future, which a clock jump could fake). */
    public boolean freshAt(long nowSeconds, long maxAgeSeconds) {
        return epochSeconds <= nowSeconds + 5 && nowSeconds - epochSeconds <= maxAgeSeconds;
    }
}
