package org.kcbastion.it.harness;

import org.keycloak.models.utils.TimeBasedOTP;

import java.util.Calendar;
import java.util.TimeZone;

/**
 * Codes for Keycloak's default OTP policy (HmacSHA1, 6 digits, 30 s), computed by Keycloak's own
 * {@link TimeBasedOTP}, the class that checks them on the server.
 */
public final class Totp {
    private Totp() {
    }

    public static String code(String secret, long epochSeconds) {
        TimeBasedOTP otp = new TimeBasedOTP("HmacSHA1", 6, TimeBasedOTP.DEFAULT_INTERVAL_SECONDS, 1);
        Calendar at = Calendar.getInstance(TimeZone.getTimeZone("UTC"));
        at.setTimeInMillis(epochSeconds * 1000);
        otp.setCalendar(at);
        return otp.generateTOTP(secret);
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
