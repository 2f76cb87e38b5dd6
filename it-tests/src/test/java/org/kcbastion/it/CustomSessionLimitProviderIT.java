package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
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

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mission 3 with a session-limit policy of a third party's (docs/features.md › "Replacing the policy"): a provider of
 * SPI {@code bastion-session-limit} chosen with {@code --spi-bastion-session-limit--provider}. Bastion enforces what it
 * answers on sign-in and refresh, looking it up per request (its fast path holds only Bastion's own provider).
 */
@Tag("dev-mode-h2")
@DisplayName("A custom session-limit provider: Bastion enforces its deadlines")
class CustomSessionLimitProviderIT {

    @RegisterExtension
    static final OwnServer OWN = OwnServer.of("keycloak-custom-session-limit-provider", "it-custom-session-limit-provider",
            "--spi-bastion-session-limit--provider=" + FixedCapSessionLimitProviderFactory.PROVIDER_ID).withApp("custom-policy-app");


    @AfterEach
    void unsetCap() {
        OWN.realm().setAttributes(SessionLimitIT.unset(FixedCapSessionLimitProviderFactory.ATTRIBUTE));
    }

    @Nested
    @DisplayName("The provider chosen")
    class Chosen {

        @Test
        @DisplayName("the refresh-token provider's operational info and the posture report name it")
        void reported() {
            ProviderRepresentation refresh = OWN.server().admin().serverInfo().getInfo().getProviders().get("refresh-token")
                    .getProviders().get("bastion-session-limit");
            assertThat(refresh.getOperationalInfo()).containsEntry("session-limit-provider",
                    FixedCapSessionLimitProviderFactory.PROVIDER_ID + " (looked up per refresh)");
            JsonNode check = PostureIT.report(OWN.realm()).get("session-limit-providers");
            assertThat(check.path("status").asText()).isEqualTo("pass");
            assertThat(check.path("detail").asText()).endsWith("session-limit policy: " + FixedCapSessionLimitProviderFactory.PROVIDER_ID);
        }
    }

    @Nested
    @DisplayName("Its deadline of 120 s")
    class Deadline {

        @Test
        @DisplayName("binds the tokens of a sign-in and of a refresh")
        void tokensClamped() {
            OWN.realm().setAttributes(Map.of(FixedCapSessionLimitProviderFactory.ATTRIBUTE, "120"));
            TestRealm.User user = OWN.realm().createUser("custom-clamped", false);
            Oidc.Reply tokens = OWN.realm().oidc().passwordGrant(OWN.app().clientId(), OWN.app().secret(), user.username(),
                    user.password());
            assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
            long issued = Jwt.claims(tokens.text("access_token")).path("iat").asLong();
            assertThat(Jwt.claims(tokens.text("refresh_token")).path("exp").asLong() - issued).isLessThanOrEqualTo(121);
            Oidc.Reply refreshed = SessionLimitIT.refreshAt(OWN.realm(), OWN.app(), tokens, 60);
            assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
            assertThat(Jwt.claims(refreshed.text("access_token")).path("exp").asLong()).isLessThanOrEqualTo(issued + 121);
            assertThat(Jwt.claims(refreshed.text("refresh_token")).path("exp").asLong()).isLessThanOrEqualTo(issued + 121);
        }

        @Test
        @DisplayName("refuses the first refresh past it of a session that began before it was set, with its source in the audit")
        void refreshPastDeadlineRefused() {
            TestRealm.User user = OWN.realm().createUser("custom-refused", false);
            Oidc.Reply tokens = OWN.realm().oidc().passwordGrant(OWN.app().clientId(), OWN.app().secret(), user.username(),
                    user.password());
            assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
            OWN.realm().setAttributes(Map.of(FixedCapSessionLimitProviderFactory.ATTRIBUTE, "120"));
            OWN.realm().setClockOffset(121);
            Oidc.Reply refused = OWN.realm().oidc().refresh(OWN.app().clientId(), OWN.app().secret(), tokens.text("refresh_token"));
            JsonNode audit = SessionLimitIT.assertLimitReached(OWN.server(), refused, user);
            assertThat(audit.path("cap_source").asText()).isEqualTo("test-fixed");
            assertThat(audit.path("enforced_by").asText()).isEqualTo("refresh");
        }
    }
}
