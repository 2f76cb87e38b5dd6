package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.kcbastion.it.harness.Jwt;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.OwnServer;
import org.kcbastion.it.harness.TestRealm;
import org.kcbastion.testproviders.FixedCapSessionLimitProviderFactory;
import org.keycloak.representations.info.ProviderRepresentation;
import org.keycloak.representations.info.SpiInfoRepresentation;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mission 3 under two configuration slips at once: the operator disabled the only provider of SPI
 * {@code bastion-session-limit} ({@code --spi-bastion-session-limit--default--enabled=false}; before, every token request
 * failed with a server error), and turned on Keycloak's experimental OID4VCI, whose refresh-token provider has the same
 * order as Bastion's. Token requests keep Bastion's default policy; the boot log, the operational info and the posture
 * report name both.
 */
@Tag("dev-mode-h2")
@DisplayName("Misconfigured providers: no session-limit provider, a refresh-token provider tied with Bastion's")
class MisconfiguredProvidersIT {

    @RegisterExtension
    static final OwnServer OWN = OwnServer.of("keycloak-misconfigured-providers", "it-misconfigured-providers",
            "--spi-bastion-session-limit--default--enabled=false", "--features=oid4vc-vci",
            // The test providers' own session-limit policy would otherwise be the one left.
            "--spi-bastion-session-limit--" + FixedCapSessionLimitProviderFactory.PROVIDER_ID + "--enabled=false")
                    .withApp("misconfigured-app");

    @BeforeAll
    static void setUp() {
        OWN.realm().setAttributes(Map.of("bastion.session.maxSeconds", "3600"));
    }

    @Nested
    @DisplayName("Boot")
    class Boot {

        @Test
        @DisplayName("the server warns of both, and the refresh-token provider's operational info names them")
        void warnsAndReports() {
            assertThat(OWN.server().log()).contains("Bastion: No provider of SPI bastion-session-limit is enabled")
                    .contains("refresh-token provider(s) oid4vci (order 10) have Bastion's order (10) or a higher one");
            SpiInfoRepresentation limits = OWN.server().admin().serverInfo().getInfo().getProviders().get("bastion-session-limit");
            assertThat(limits == null || limits.getProviders().isEmpty()).as("no session-limit provider is enabled").isTrue();
            ProviderRepresentation refresh = OWN.server().admin().serverInfo().getInfo().getProviders().get("refresh-token")
                    .getProviders().get("bastion-session-limit");
            assertThat(refresh.getOperationalInfo())
                    .containsEntry("session-limit-provider", "none enabled: Bastion's default policy, no sweeper")
                    .containsEntry("providers-ahead-or-tied", "oid4vci (order 10)");
        }

        @Test
        @DisplayName("the realm's posture report warns of both, with a remedy for each")
        void postureWarns() {
            JsonNode check = PostureIT.report(OWN.realm()).get("session-limit-providers");
            assertThat(check.path("status").asText()).isEqualTo("warn");
            assertThat(check.path("detail").asText()).contains("oid4vci (order 10) have Bastion's order (10)").contains("no sweeper");
            assertThat(check.path("remediation").asText()).contains("--spi-refresh-token--<id>--enabled=false")
                    .contains("--spi-bastion-session-limit--default--enabled=false");
        }
    }

    @Nested
    @DisplayName("Token requests under a 3600 s realm cap")
    class TokenRequests {

        @Test
        @DisplayName("a sign-in's tokens end at the cap, not at the 20,000 s idle timeout")
        void tokensClamped() {
            TestRealm.User user = OWN.realm().createUser("misconfigured-clamped", false);
            Oidc.Reply tokens = OWN.realm().oidc().passwordGrant(OWN.app().clientId(), OWN.app().secret(), user.username(),
                    user.password());
            assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
            long issued = Jwt.claims(tokens.text("access_token")).path("iat").asLong();
            assertThat(Jwt.claims(tokens.text("refresh_token")).path("exp").asLong() - issued).isLessThanOrEqualTo(3601);
            Oidc.Reply refreshed = SessionLimitIT.refreshAt(OWN.realm(), OWN.app(), tokens, 1800);
            assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
            assertThat(Jwt.claims(refreshed.text("refresh_token")).path("exp").asLong()).isLessThanOrEqualTo(issued + 3601);
        }

        @Test
        @DisplayName("a session that began before the cap was set is refused at its first refresh past it, not answered with 500")
        void refreshPastCapRefused() {
            TestRealm.User user = OWN.realm().createUser("misconfigured-refused", false);
            OWN.realm().setAttributes(SessionLimitIT.unset("bastion.session.maxSeconds"));
            Oidc.Reply tokens;
            try {
                tokens = OWN.realm().oidc().passwordGrant(OWN.app().clientId(), OWN.app().secret(), user.username(), user.password());
                assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
            } finally {
                OWN.realm().setAttributes(Map.of("bastion.session.maxSeconds", "3600"));
            }
            OWN.realm().setClockOffset(3601);
            Oidc.Reply refused = OWN.realm().oidc().refresh(OWN.app().clientId(), OWN.app().secret(), tokens.text("refresh_token"));
            assertThat(SessionLimitIT.assertLimitReached(OWN.server(), refused, user).path("enforced_by").asText()).isEqualTo("refresh");
        }
    }
}
