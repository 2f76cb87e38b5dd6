package org.kcbastion.it.harness;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.concurrent.locks.LockSupport;

/** Waits for a condition with a deadline: the only way ITs wait (never a fixed sleep). */
public final class Poll {
    private Poll() {
    }

    /**
     * Calls {@code probe} until it returns a present value or {@code timeout} passes.
     *
     * @throws AssertionError naming {@code what} when the deadline passes
     */
    public static <T> T until(String what, Duration timeout, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                Optional<T> value = probe.get();
                if (value.isPresent()) {
                    return value.get();
                }
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                AssertionError error = new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting for " + what);
                if (last != null) error.initCause(last);
                throw error;
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    public static void untilTrue(String what, Duration timeout, Supplier<Boolean> condition) {
        until(what, timeout, () -> condition.get() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }
}
