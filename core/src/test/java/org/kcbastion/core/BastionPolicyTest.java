package org.kcbastion.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BastionPolicyTest {

    @Test
    @DisplayName("an empty realm gets every documented default")
    void defaults() {
        BastionPolicy p = BastionPolicy.read(k -> null);
        assertThat(p.stepUpMaxAgeSeconds()).isEqualTo(300);
        assertThat(p.impersonationRequireReason()).isTrue();
        assertThat(p.impersonationMaxSessionSeconds()).isEqualTo(900);
        assertThat(p.impersonationProtectedRoles()).isEmpty();
        assertThat(p.impersonationNotifyUser()).isTrue();
        assertThat(p.impersonationLimits()).isEqualTo(ImpersonationLimits.DEFAULT);
        assertThat(p.revokeOnAdminCredentialChange()).isTrue();
        assertThat(p.sessionMaxSeconds()).isEqualTo(43200);
        assertThat(p.sessionRememberMeMaxSeconds()).isEqualTo(2592000);
        assertThat(p.sessionOfflineMaxSeconds()).isEqualTo(3888000);
        assertThat(p.securityContact()).isEmpty();
        assertThat(p.problems()).isEmpty();
    }

    @Test
    @DisplayName("valid values are read and trimmed")
    void validValues() {
        Map<String, String> attrs = Map.of(
                "bastion.stepUp.maxAgeSeconds", " 120 ",
                "bastion.revokeOnAdminCredentialChange", "false",
                "bastion.impersonation.protectedRoles", "auditor, ,finance-admin",
                "bastion.rateLimit.impersonation", "admin=2/1h",
                "bastion.securityContact", "soc@example.org");
        BastionPolicy p = BastionPolicy.read(attrs::get);
        assertThat(p.problems()).isEmpty();
        assertThat(p.stepUpMaxAgeSeconds()).isEqualTo(120);
        assertThat(p.revokeOnAdminCredentialChange()).isFalse();
        assertThat(p.impersonationProtectedRoles()).containsExactlyInAnyOrder("auditor", "finance-admin");
        assertThat(p.impersonationLimits().perAdmin()).isEqualTo(new RateLimit(2, Duration.ofHours(1)));
        assertThat(p.impersonationLimits().perIp()).isEqualTo(ImpersonationLimits.DEFAULT.perIp());
        assertThat(p.securityContact()).contains("soc@example.org");
    }

    @Test
    @DisplayName("a bad value never switches a protection off or loosens a bound: it is reported and the strict side applies")
    void badValuesFallBack() {
        Map<String, String> attrs = Map.of(
                "bastion.revokeOnAdminCredentialChange", "no",
                "bastion.session.maxSeconds", "0",
                "bastion.session.offlineMaxSeconds", "-1",
                "bastion.rateLimit.impersonation", "admin=0/1m",
                "bastion.securityContact", "not-an-address");
        BastionPolicy p = BastionPolicy.read(attrs::get);
        assertThat(p.revokeOnAdminCredentialChange()).isTrue();
        assertThat(p.sessionMaxSeconds()).as("below the floor: the floor").isEqualTo(60);
        assertThat(p.sessionOfflineMaxSeconds()).isEqualTo(60);
        assertThat(p.impersonationLimits()).isEqualTo(ImpersonationLimits.DEFAULT);
        assertThat(p.securityContact()).isEmpty();
        assertThat(p.problems()).extracting(BastionPolicy.Problem::key).containsExactlyInAnyOrder(
                PolicyKey.REVOKE_ON_ADMIN_CREDENTIAL_CHANGE, PolicyKey.SESSION_MAX_SECONDS,
                PolicyKey.SESSION_OFFLINE_MAX_SECONDS, PolicyKey.RATE_LIMIT_IMPERSONATION, PolicyKey.SECURITY_CONTACT);
        assertThat(p.isValid()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "1e3", "99999999999", "59"})
    @DisplayName("validate() names why a seconds value is refused")
    void validateSeconds(String value) {
        assertThat(BastionPolicy.validate(PolicyKey.SESSION_MAX_SECONDS, value)).isPresent();
    }

    @Test
    @DisplayName("validate() accepts unset values and valid ones")
    void validateAccepts() {
        assertThat(BastionPolicy.validate(PolicyKey.SESSION_MAX_SECONDS, null)).isEmpty();
        assertThat(BastionPolicy.validate(PolicyKey.SESSION_MAX_SECONDS, "3600")).isEmpty();
        assertThat(BastionPolicy.validate(PolicyKey.IMPERSONATION_REQUIRE_REASON, "true")).isEmpty();
    }

    @Test
    @DisplayName("every key is found by its attribute name")
    void byAttribute() {
        for (PolicyKey k : PolicyKey.values()) {
            assertThat(PolicyKey.byAttribute(k.attribute())).contains(k);
            assertThat(BastionPolicy.validate(k, k.defaultValue())).as("default of %s is valid", k).isEmpty();
        }
        assertThat(PolicyKey.byAttribute("bastion.unknown")).isEmpty();
    }

    @Test
    @DisplayName("rate limits parse N/window with s, m, h, d and refuse the rest")
    void rateLimits() {
        assertThat(RateLimit.parse("5/15m")).isEqualTo(new RateLimit(5, Duration.ofMinutes(15)));
        assertThat(RateLimit.parse("3/1h").toString()).isEqualTo("3/1h");
        assertThat(RateLimit.parse("10/30s").window()).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> RateLimit.parse("5 per minute")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateLimit.parse("5/2d")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ImpersonationLimits.parse("user=1/1m")).hasMessageContaining("unknown scope");
        assertThatThrownBy(() -> ImpersonationLimits.parse("admin=1/1m,admin=2/1m")).hasMessageContaining("twice");
        assertThat(ImpersonationLimits.parse(ImpersonationLimits.DEFAULT.toString())).isEqualTo(ImpersonationLimits.DEFAULT);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"soc@bastion.test\u0000", "soc\u0000@bastion.test", "soc@bastion.test\u0085",
            "soc\u2028@bastion.test", "soc@bastion\u2029.test", "soc@bas tion.test", "soc\u202E@bastion.test", "not-an-address"})
    @DisplayName("securityContact refuses control, separator and format characters anywhere, and non-addresses (issue 14)")
    void contactRefusesControlCharacters(String value) {
        assertThat(BastionPolicy.validate(PolicyKey.SECURITY_CONTACT, value)).as(value).isPresent();
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"INC-1\u2028forged", "INC-1\u2029", "INC-1\u0085", "INC\u202E1", "INC\n1",
            "\u0000"})
    @DisplayName("reasons with line or paragraph separators, NEL, bidi overrides or controls are refused and escaped when recorded")
    void reasonsRefuseSeparators(String reason) {
        assertThat(Reasons.valid(reason)).as(reason).isFalse();
        assertThat(Reasons.escape(reason)).matches("[\\x20-\\x7E]*");
        assertThat(Reasons.valid("INC-4711 kunde sieht keine Rechnungen")).isTrue();
    }

    @Test
    @DisplayName("issue 17: out of range is clamped toward the strict side, a non-number is the floor, switches need the exact word")
    void failSafeReads() {
        BastionPolicy p = BastionPolicy.read(Map.of(
                "bastion.session.maxSeconds", "20",
                "bastion.session.rememberMeMaxSeconds", "99999999999",
                "bastion.stepUp.maxAgeSeconds", "8h",
                "bastion.impersonation.maxSessionSeconds", "100000",
                "bastion.impersonation.requireReason", "False",
                "bastion.impersonation.notifyUser", "no",
                "bastion.impersonation.allowServiceAccounts", "yes")::get);
        assertThat(p.sessionMaxSeconds()).isEqualTo(60);
        assertThat(p.sessionRememberMeMaxSeconds()).as("above the ceiling: the ceiling").isEqualTo(366 * 86400);
        assertThat(p.stepUpMaxAgeSeconds()).as("not a number: the floor").isEqualTo(10);
        assertThat(p.impersonationMaxSessionSeconds()).isEqualTo(86400);
        assertThat(p.impersonationRequireReason()).as("only the exact word false switches it off").isTrue();
        assertThat(p.impersonationNotifyUser()).isTrue();
        assertThat(p.impersonationAllowServiceAccounts()).isFalse();
        assertThat(p.problems()).extracting(BastionPolicy.Problem::inForce)
                .contains("60", String.valueOf(366 * 86400), "10", "86400", "true", "false");
        assertThat(BastionPolicy.effectiveCapSeconds("20")).hasValue(60);
        assertThat(BastionPolicy.effectiveCapSeconds("forever")).hasValue(60);
        assertThat(BastionPolicy.effectiveCapSeconds("99999999999")).hasValue(366 * 86400);
        assertThat(BastionPolicy.effectiveCapSeconds("")).isEmpty();
        assertThat(BastionPolicy.Lifetimes.read(Map.of("bastion.session.maxSeconds", "abc")::get).sessionMaxSeconds()).isEqualTo(60);
    }

    @Test
    void capAsPlainIntAgreesWithTheGeneralPath() {
        for (String value : new String[]{null, "", " ", "0", "7", "59", "60", "3600", " 3600 ", "+3600", "-5", "0060",
                "31622400", "31622401", "999999999", "1000000000", "99999999999", "1e99", "abc", "36OO", "\t90",
                "000000000", "0000000060", "2147483648", "\u0663\u0666\u0660\u0660", "\uFF13\uFF16\uFF10\uFF10"}) {
            assertThat(BastionPolicy.effectiveCapSecondsOrZero(value)).as(String.valueOf(value))
                    .isEqualTo(BastionPolicy.effectiveCapSeconds(value).orElse(0));
        }
    }
}
