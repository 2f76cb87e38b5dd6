package org.kcbastion.it.harness;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline (Awaitility, every 100 ms): the only way ITs wait (never a fixed sleep). A
 * missed deadline is an {@link AssertionError} naming what was awaited, with the probe's last exception as cause.
 */
public final class Poll {
    private Poll() {
    }

    /** Calls {@code probe} until it returns a present value or {@code timeout} passes. */
    public static <T> T until(String what, Duration timeout, Supplier<Optional<T>> probe) {
        try {
            return Awaitility.await(what).atMost(timeout).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(probe::get, Optional::isPresent).get();
        } catch (ConditionTimeoutException e) {
            AssertionError error = new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting for " + what);
            error.initCause(e.getCause() != null ? e.getCause() : e);
            throw error;
        }
    }

    public static void untilTrue(String what, Duration timeout, Supplier<Boolean> condition) {
        until(what, timeout, () -> condition.get() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }
}
