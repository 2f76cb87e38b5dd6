package org.kcbastion.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Reads policy attributes one at a time, always to the strict side: an invalid value is recorded in {@link #problems}
 * and what applies instead is the default, the floor or the ceiling, never a silently looser value.
 */
final class PolicyReader {

    private final Function<String, String> attributes;
    final List<BastionPolicy.Problem> problems = new ArrayList<>();

    PolicyReader(Function<String, String> attributes) {
        this.attributes = attributes;
    }

    <T> T value(PolicyKey key, Function<String, T> parser) {
        String raw = attributes.apply(key.attribute());
        if (raw != null && !raw.isBlank()) {
            try {
                // strip(), not trim(): trim() would drop a trailing NUL and let it through to the stored value.
                return parser.apply(raw.strip());
            } catch (IllegalArgumentException e) {
                problems.add(new BastionPolicy.Problem(key, raw, e.getMessage(), key.defaultValue()));
            }
        }
        return parser.apply(key.defaultValue());
    }

    /** {@code strict} when the value is {@code strict}, or when it is set but neither of the two. */
    boolean choice(PolicyKey key, String loose, String strict) {
        String raw = attributes.apply(key.attribute());
        if (raw == null || raw.isBlank()) return false;
        String value = raw.strip().toLowerCase(Locale.ROOT);
        if (value.equals(loose)) return false;
        if (value.equals(strict)) return true;
        problems.add(new BastionPolicy.Problem(key, raw,
                "'" + raw.strip() + "' is not " + loose + " or " + strict + " (" + strict + " applies)", strict));
        return true;
    }

    /**
     * A switch whose default is the safe side: only the exact opposite word ({@code true} or {@code false}, as
     * written) changes it; anything else keeps the default and is reported.
     */
    boolean bool(PolicyKey key) {
        boolean safe = Boolean.parseBoolean(key.defaultValue());
        String raw = attributes.apply(key.attribute());
        if (raw == null || raw.isBlank()) return safe;
        String value = raw.strip();
        if (value.equals(String.valueOf(!safe))) return !safe;
        if (!value.equals(String.valueOf(safe))) {
            problems.add(new BastionPolicy.Problem(key, raw,
                    "'" + value + "' is not exactly " + !safe + " (" + safe + " applies)", String.valueOf(safe)));
        }
        return safe;
    }

    /** The realm, remember-me and offline caps: 60 s up to 366 days. */
    int sessionCap(PolicyKey key) {
        return seconds(key, BastionPolicy.MIN_CAP_SECONDS, BastionPolicy.ONE_YEAR);
    }

    /**
     * {@code bastion.session.enforce}: only the exact word {@code report} (any case) stops caps from ending
     * sessions; anything else but {@code enforce} is reported and enforces.
     */
    boolean reportOnly() {
        String raw = attributes.apply(PolicyKey.SESSION_ENFORCE.attribute());
        if (raw == null || raw.isBlank()) return false;
        String value = raw.strip().toLowerCase(Locale.ROOT);
        if (value.equals("report")) return true;
        if (!value.equals("enforce")) {
            problems.add(new BastionPolicy.Problem(PolicyKey.SESSION_ENFORCE, raw,
                    "'" + raw.strip() + "' is not enforce or report (enforce applies)", "enforce"));
        }
        return false;
    }

    int impersonationMaxSession() {
        return seconds(PolicyKey.IMPERSONATION_MAX_SESSION_SECONDS, 60, 86400);
    }

    /**
     * A number of seconds in {@code min..max}. Out of range it is clamped toward the strict side (below the floor:
     * the floor; above the ceiling: the ceiling); a value that is not a number is read as the floor, the
     * strictest sensible reading. Either way it is reported.
     */
    int seconds(PolicyKey key, int min, int max) {
        String raw = attributes.apply(key.attribute());
        if (raw == null || raw.isBlank()) return Integer.parseInt(key.defaultValue());
        String text = raw.strip();
        long v;
        try {
            v = Long.parseLong(text);
        } catch (NumberFormatException e) {
            problems.add(new BastionPolicy.Problem(key, raw, "'" + text + "' is not a whole number of seconds (the floor, " + min
                    + ", applies)", String.valueOf(min)));
            return min;
        }
        if (v < min || v > max) {
            int clamped = v < min ? min : max;
            problems.add(new BastionPolicy.Problem(key, raw, v + " is outside " + min + ".." + max + " seconds (" + clamped + " applies)",
                    String.valueOf(clamped)));
            return clamped;
        }
        return (int) v;
    }
}
