package org.kcbastion.it.harness;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * RFC 6238 codes as Keycloak's default OTP policy checks them (HmacSHA1, 6 digits, 30 s). Keycloak uses the UTF-8
 * bytes of the stored secret as the key.
 */
public final class Totp {
    private Totp() {
    }

    public static String code(String secret, long epochSeconds) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            byte[] h = mac.doFinal(ByteBuffer.allocate(8).putLong(epochSeconds / 30).array());
            int o = h[h.length - 1] & 0xf;
            int bin = ((h[o] & 0x7f) << 24) | ((h[o + 1] & 0xff) << 16) | ((h[o + 2] & 0xff) << 8) | (h[o + 3] & 0xff);
            return String.format("%06d", bin % 1_000_000);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String now(String secret) {
        return code(secret, System.currentTimeMillis() / 1000);
    }

    /** The code of the previous 30 s step; Keycloak accepts one step back (look-around window 1). */
    public static String previous(String secret) {
        return code(secret, System.currentTimeMillis() / 1000 - 30);
    }

    /**
     * The code of the next 30 s step. Keycloak refuses a code used once already (OTP codes are not reusable by
     * default) and accepts one step ahead, so a second login within the same step uses this.
     */
    public static String next(String secret) {
        return code(secret, System.currentTimeMillis() / 1000 + 30);
    }
}
