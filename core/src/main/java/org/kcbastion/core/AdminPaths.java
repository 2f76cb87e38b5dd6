package org.kcbastion.core;

/**
 * The one place that turns an admin path, as a request or an admin event spells it, into the form Bastion's patterns
 * match. Keycloak routes {@code users/{id}/reset-password/} to the same method as {@code users/{id}/reset-password}
 * and records the admin event with the slash; it answers {@code //}, matrix parameters and encoded letters with 400
 * before any resource runs. So the only spelling left to fold is slashes at either end.
 */
public final class AdminPaths {

    private AdminPaths() {
    }

    /** {@code path} without leading and trailing slashes; null stays null. */
    public static String normalize(String path) {
        if (path == null) return null;
        int from = 0;
        int to = path.length();
        while (from < to && path.charAt(from) == '/') from++;
        while (to > from && path.charAt(to - 1) == '/') to--;
        return path.substring(from, to);
    }
}
