package org.kcbastion.core;

/**
 * Screens ids from URLs before they reach a database query: PostgreSQL rejects a NUL byte with an error (a 500 from
 * Keycloak), and no Keycloak id holds control characters or runs past 255 characters.
 */
public final class Ids {

    public static final int MAX_LENGTH = 255;

    private Ids() {
    }

    public static boolean plausible(String id) {
        return id != null && !id.isEmpty() && id.length() <= MAX_LENGTH && id.chars().noneMatch(Character::isISOControl);
    }
}
