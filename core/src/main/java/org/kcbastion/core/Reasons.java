package org.kcbastion.core;

/**
 * The reason an admin gives for a privileged action (a ticket): what may be stored and logged. A reason ends up in
 * audit lines, Keycloak events and emails, so it must not be able to break a line-based log consumer or disguise text.
 */
public final class Reasons {

    public static final int MAX_LENGTH = 200;

    private Reasons() {
    }

    /** A reason as it may be stored: trimmed, at most {@value #MAX_LENGTH} printable characters. */
    public static boolean valid(String text) {
        if (text == null) return false;
        String trimmed = trimSpaces(text);
        return !trimmed.isEmpty() && trimmed.length() <= MAX_LENGTH && printable(trimmed);
    }

    /**
     * Only plain spaces are trimmed: {@link String#strip()} would also drop separators such as U+2028 at either end,
     * and a reason that carries one is refused rather than silently repaired.
     */
    static String trimSpaces(String text) {
        int from = 0;
        int to = text.length();
        while (from < to && text.charAt(from) == ' ') from++;
        while (to > from && text.charAt(to - 1) == ' ') to--;
        return text.substring(from, to);
    }

    /**
     * No control (C0, C1: NUL, NEL U+0085), format (bidi overrides such as U+202E), line or paragraph separator
     * (U+2028, U+2029) or unassigned character: any of them can break a line-based log consumer or disguise text.
     */
    public static boolean printable(String text) {
        return text.codePoints().noneMatch(Reasons::unprintable);
    }

    private static boolean unprintable(int c) {
        int type = Character.getType(c);
        return Character.isISOControl(c) || type == Character.FORMAT || type == Character.UNASSIGNED
                || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || type == Character.SURROGATE || type == Character.PRIVATE_USE;
    }

    /**
     * A refused reason as it may be recorded: every character {@link #printable} refuses written as a backslash, u and four hex digits,
     * cut to {@value #MAX_LENGTH} characters.
     */
    public static String escape(String reason) {
        if (reason == null) return null;
        StringBuilder out = new StringBuilder();
        reason.codePoints().forEach(c -> {
            if (unprintable(c)) out.append("\\".concat(String.format("u%04X", c)));
            else out.appendCodePoint(c);
        });
        return out.length() <= MAX_LENGTH ? out.toString() : out.substring(0, MAX_LENGTH) + "...";
    }
}
