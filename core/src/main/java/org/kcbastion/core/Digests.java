package org.kcbastion.core;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Keyed digests for anything Bastion stores or logs that identifies a session or token: HMAC-SHA256 under a server
 * secret, so a leaked database or log cannot be replayed and cannot be brute-forced without the key.
 */
public final class Digests {

    private static final String ALGORITHM = "HmacSHA256";
    /** Shorter keys make HMAC no stronger than the key; 32 bytes matches the output size. */
    public static final int MIN_KEY_BYTES = 32;

    private final SecretKeySpec key;

    public Digests(byte[] key) {
        if (key == null || key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("HMAC key must have at least " + MIN_KEY_BYTES + " bytes");
        }
        this.key = new SecretKeySpec(key.clone(), ALGORITHM);
    }

    /** Lower-case hex HMAC-SHA256 of the UTF-8 bytes of {@code value}. */
    public String hmac(String value) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Compares two secrets in time independent of where they differ. */
    public static boolean constantTimeEquals(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
