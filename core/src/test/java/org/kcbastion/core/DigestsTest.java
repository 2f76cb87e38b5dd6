package org.kcbastion.core;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DigestsTest {

    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    @Test
    void hmacMatchesAnIndependentImplementation() {
        // printf 'session-id' | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef
        assertThat(new Digests(KEY).hmac("session-id"))
                .isEqualTo("16b2c5d4c9c06b1440222d3784dabc4d607094247d6da8e27ef517ce20626493");
        assertThat(new Digests(KEY).hmac("session-id")).isNotEqualTo(new Digests(KEY).hmac("session-iD"));
    }

    @Test
    void differentKeysGiveDifferentDigests() {
        byte[] other = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.UTF_8);
        assertThat(new Digests(KEY).hmac("x")).isNotEqualTo(new Digests(other).hmac("x"));
    }

    @Test
    void refusesShortKeys() {
        assertThatThrownBy(() -> new Digests(new byte[16])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void constantTimeEquals() {
        assertThat(Digests.constantTimeEquals("abc", "abc")).isTrue();
        assertThat(Digests.constantTimeEquals("abc", "abd")).isFalse();
        assertThat(Digests.constantTimeEquals("abc", null)).isFalse();
    }
}
