package org.kcbastion.core;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** "N per window", written {@code N/window} with a window like {@code 30s}, {@code 15m}, {@code 1h} or {@code 1d}. */
public record RateLimit(int permits, Duration window) {

    private static final Pattern FORMAT = Pattern.compile("(\\d{1,4})/(\\d{1,5})([smhd])");
    static final int MAX_PERMITS = 1000;
    static final Duration MAX_WINDOW = Duration.ofDays(1);

    public RateLimit {
        if (permits < 1 || permits > MAX_PERMITS) {
            throw new IllegalArgumentException("permits must be between 1 and " + MAX_PERMITS);
        }
        if (window.isNegative() || window.isZero() || window.compareTo(MAX_WINDOW) > 0) {
            throw new IllegalArgumentException("window must be between 1s and 1d");
        }
    }

    public static RateLimit parse(String text) {
        Matcher m = FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not N/window (e.g. 5/15m; units s, m, h, d)");
        }
        long amount = Long.parseLong(m.group(2));
        Duration window = switch (m.group(3)) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
        return new RateLimit(Integer.parseInt(m.group(1)), window);
    }

    @Override
    public String toString() {
        long s = window.toSeconds();
        if (s % 86400 == 0) return permits + "/" + (s / 86400) + "d";
        if (s % 3600 == 0) return permits + "/" + (s / 3600) + "h";
        if (s % 60 == 0) return permits + "/" + (s / 60) + "m";
        return permits + "/" + s + "s";
    }
}
