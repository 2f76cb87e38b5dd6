package org.kcbastion.sessionlimits;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.kcbastion.core.BastionPolicy;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

class SessionCapsTest {

    static final BastionPolicy DEFAULTS = BastionPolicy.read(k -> null);
    static final long START = 1_000_000;

    static SessionCaps.Facts facts(boolean offline, boolean rememberMe, boolean impersonation, OptionalInt clientCap,
                                   Map<String, Integer> roles) {
        return SessionCaps.Facts.withRoleCaps(START, offline, rememberMe, impersonation, Optional.of("app"), clientCap, roles);
    }

    @Test
    @DisplayName("each kind of session gets its own realm cap, measured from its start")
    void kinds() {
        assertThat(SessionCaps.deadline(DEFAULTS, facts(false, false, false, OptionalInt.empty(), Map.of())))
                .isEqualTo(new SessionDeadline(START + 43200, 43200, "realm"));
        assertThat(SessionCaps.deadline(DEFAULTS, facts(false, true, false, OptionalInt.empty(), Map.of())))
                .isEqualTo(new SessionDeadline(START + 2592000, 2592000, "remember_me"));
        assertThat(SessionCaps.deadline(DEFAULTS, facts(true, false, false, OptionalInt.empty(), Map.of())))
                .isEqualTo(new SessionDeadline(START + 3888000, 3888000, "offline"));
    }

    @Test
    @DisplayName("the smallest applicable cap wins and is named")
    void smallestWins() {
        assertThat(SessionCaps.deadline(DEFAULTS, facts(false, false, true, OptionalInt.of(1800), Map.of("contractor", 1500))).source())
                .isEqualTo("impersonation");
        assertThat(SessionCaps.deadline(DEFAULTS, facts(false, false, false, OptionalInt.of(1800), Map.of("contractor", 1500))))
                .isEqualTo(new SessionDeadline(START + 1500, 1500, "role:contractor"));
        assertThat(SessionCaps.deadline(DEFAULTS, facts(true, false, false, OptionalInt.of(1800), Map.of())).source())
                .isEqualTo("client:app");
        assertThat(SessionCaps.deadline(DEFAULTS, facts(false, false, false, OptionalInt.of(99999), Map.of())).source())
                .as("a client cap above the realm cap changes nothing").isEqualTo("realm");
    }

    @Test
    @DisplayName("a role cap counts exactly when it is below the cap before roles, so token requests may skip the roles otherwise")
    void capBeforeRoles() {
        int[] roleCaps = {600, 1799, 1800, 1801, 43199, 43200, 43201, 2592000, 3888000, 3888001};
        for (boolean offline : new boolean[] {false, true}) {
            for (boolean rememberMe : new boolean[] {false, true}) {
                for (OptionalInt client : new OptionalInt[] {OptionalInt.empty(), OptionalInt.of(1800), OptionalInt.of(99999999)}) {
                    long before = SessionCaps.capBeforeRoles(DEFAULTS.lifetimes(), offline, rememberMe, client.orElse(0));
                    SessionDeadline withoutRoles = SessionCaps.deadline(DEFAULTS, facts(offline, rememberMe, false, client, Map.of()));
                    assertThat(withoutRoles.capSeconds()).isEqualTo(before);
                    for (int roleCap : roleCaps) {
                        SessionDeadline withRole = SessionCaps.deadline(DEFAULTS,
                                facts(offline, rememberMe, false, client, Map.of("r", roleCap)));
                        assertThat(withRole.equals(withoutRoles))
                                .as("offline %s, remember-me %s, client %s, role %d", offline, rememberMe, client, roleCap)
                                .isEqualTo(roleCap >= before);
                    }
                }
            }
        }
    }

    @Test
    @DisplayName("of several role caps the smallest wins; the source is joined only when read, and equals the written form")
    void severalRoles() {
        SessionDeadline d = SessionCaps.deadline(DEFAULTS, facts(false, false, false, OptionalInt.of(1800),
                new java.util.LinkedHashMap<>(Map.of("a", 1700, "b", 900, "c", 1200))));
        assertThat(d).isEqualTo(new SessionDeadline(START + 900, 900, "role:b"));
        assertThat(d.hashCode()).isEqualTo(new SessionDeadline(START + 900, 900, "role:b").hashCode());
        assertThat(d.source()).isEqualTo("role:b");
        assertThat(d.toString()).contains("source=role:b");
        SessionDeadline unnamedClient = SessionCaps.deadline(DEFAULTS, new SessionCaps.Facts(START, false, false, false,
                null, 1800, null, 0, 0, 0));
        assertThat(unnamedClient.source()).isEqualTo("client:?");
        assertThat(new SessionDeadline(1, 1, "realm")).isNotEqualTo(new SessionDeadline(1, 1, "realm", false));
    }

    @Test
    @DisplayName("client and role attribute values outside 60..366 days are clamped toward the strict side; not numbers are the floor")
    void parse() {
        assertThat(SessionCaps.parse("3600")).hasValue(3600);
        assertThat(SessionCaps.parse(" 60 ")).hasValue(60);
        assertThat(SessionCaps.parse("59")).hasValue(60);
        assertThat(SessionCaps.parse("-5")).hasValue(60);
        assertThat(SessionCaps.parse("abc")).hasValue(60);
        assertThat(SessionCaps.parse("1e99")).hasValue(60);
        assertThat(SessionCaps.parse("99999999999")).hasValue(366 * 86400);
        assertThat(SessionCaps.parse(null)).isEmpty();
        assertThat(SessionCaps.parse(" ")).isEmpty();
    }

    @Test
    @DisplayName("a deadline has passed at its exact second")
    void passed() {
        SessionDeadline d = new SessionDeadline(100, 10, "realm");
        assertThat(d.passed(99)).isFalse();
        assertThat(d.passed(100)).isTrue();
    }

    @Test
    @DisplayName("report mode: cap deadlines are not enforced, impersonation deadlines always are")
    void reportMode() {
        BastionPolicy report = BastionPolicy.read(k -> k.equals("bastion.session.enforce") ? "report" : null);
        SessionDeadline realm = SessionCaps.deadline(report, facts(false, false, false, OptionalInt.of(1800), Map.of()));
        assertThat(realm.enforced()).isFalse();
        assertThat(realm.epochSeconds()).as("the deadline itself is the same").isEqualTo(START + 1800);
        assertThat(SessionCaps.deadline(report, facts(false, false, true, OptionalInt.empty(), Map.of())).enforced()).isTrue();
        assertThat(SessionCaps.deadline(DEFAULTS, facts(false, false, false, OptionalInt.empty(), Map.of())).enforced()).isTrue();
    }

    @Test
    @DisplayName("bastion.session.enforce: only the word report (any case) reports; anything else but enforce is a problem that enforces")
    void enforceValues() {
        for (String value : new String[]{"report", " REPORT "}) {
            assertThat(BastionPolicy.read(k -> k.equals("bastion.session.enforce") ? value : null).sessionReportOnly()).as(value).isTrue();
        }
        for (String value : new String[]{"enforce", "", "off", "false", "reporting"}) {
            BastionPolicy p = BastionPolicy.read(k -> k.equals("bastion.session.enforce") ? value : null);
            assertThat(p.sessionReportOnly()).as(value).isFalse();
            assertThat(p.isValid()).as(value).isEqualTo(value.isBlank() || value.equals("enforce"));
        }
    }
}
