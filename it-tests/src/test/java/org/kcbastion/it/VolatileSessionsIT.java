package org.kcbastion.it;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.OwnServer;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 18: with persistent user sessions off (online sessions only in Infinispan), the sweeper keeps its documented
 * path: online sessions are streamed from the cache and filtered by age, offline ones come from the database index.
 */
@Tag("dev-mode-h2")
@DisplayName("Session-limit sweeper with persistent user sessions off (issue 18)")
class VolatileSessionsIT {

    static final Duration SWEEP = Duration.ofSeconds(30);
    @RegisterExtension
    static final OwnServer OWN = OwnServer.of("keycloak-volatile-sessions", "it-volatile-sessions",
            "--features-disabled=persistent-user-sessions", "--log-level=INFO,org.kcbastion.sessionlimits:debug").withApp("volatile-app");


    @Nested
    @DisplayName("Sweeper")
    class Sweeper {

        @Test
        @DisplayName("the server runs with persistent user sessions off, and its sweeps do not fail")
        void sessionsAreVolatile() {
            assertThat(OWN.server().admin().serverInfo().getInfo().getFeatures())
                    .filteredOn(f -> f.getName().equals("PERSISTENT_USER_SESSIONS"))
                    .singleElement().satisfies(f -> assertThat(f.isEnabled()).isFalse());
            Poll.untilTrue("a sweep has run", SWEEP, () -> OWN.server().log().contains("Bastion session-limit sweep: read"));
            assertThat(OWN.server().log()).doesNotContain("Bastion session-limit sweep failed");
        }

        @Test
        @DisplayName("an idle online session past the realm cap, lowered after it began, is ended within one interval")
        void onlineSessionSwept() {
            TestRealm.User user = OWN.realm().createUser("volatile-online", false);
            TestRealm.User young = OWN.realm().createUser("volatile-young", false);
            Oidc.Reply tokens = OWN.realm().oidc().passwordGrant(OWN.app().clientId(), OWN.app().secret(), user.username(),
                    user.password());
            assertThat(tokens.status()).isEqualTo(200);
            OWN.realm().setClockOffset(3601);
            assertThat(OWN.realm().oidc().passwordGrant(OWN.app().clientId(), OWN.app().secret(), young.username(),
                    young.password()).status())
                    .isEqualTo(200);
            OWN.realm().setAttributes(Map.of("bastion.session.maxSeconds", "3600"));
            try {
                Poll.untilTrue("the sweeper ends the online session", SWEEP,
                        () -> OWN.realm().admin().users().get(user.id()).getUserSessions().isEmpty());
                assertThat(OWN.realm().oidc().introspect(OWN.app().clientId(), OWN.app().secret(), tokens.text("refresh_token")).json()
                        .path("active").asBoolean()).isFalse();
                assertThat(OWN.realm().admin().users().get(young.id()).getUserSessions()).as("a younger session stays").hasSize(1);
            } finally {
                Map<String, String> unset = new HashMap<>();
                unset.put("bastion.session.maxSeconds", null);
                OWN.realm().setAttributes(unset);
            }
        }

        @Test
        @DisplayName("an idle offline session past the offline cap is ended within one interval")
        void offlineSessionSwept() {
            OWN.realm().setAttributes(Map.of("bastion.session.offlineMaxSeconds", "7200"));
            try {
                SessionLimitIT.offlineSessionSweptPastCap(OWN.realm(), OWN.app(), "volatile-offline", SWEEP);
            } finally {
                Map<String, String> unset = new HashMap<>();
                unset.put("bastion.session.offlineMaxSeconds", null);
                OWN.realm().setAttributes(unset);
            }
        }
    }
}
