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

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mission 3 for Keycloak's legacy token exchange (V1, preview feature {@code token-exchange}): it names no grant on
 * the request and, asked for an access token alone, reaches neither the refresh-token provider nor a client-policy
 * token-response event. Its own server: the feature must not change what the shared server's tests see.
 */
@Tag("dev-mode-h2")
@DisplayName("Legacy token exchange (V1): exchanged tokens stay within the session's deadline")
class LegacyTokenExchangeIT {

    static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
    static final String REFRESH_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:refresh_token";

    @RegisterExtension
    static final OwnServer OWN = OwnServer.of("keycloak-legacy-token-exchange", "it-legacy-token-exchange", "--features=token-exchange");
    static TestRealm realm;

    @BeforeAll
    static void setUp() {
        realm = OWN.realm();
    }

    @Nested
    @DisplayName("A client exchanging its own token, 60 s client cap, access tokens of 3600 s")
    class SelfExchange {

        @Test
        @DisplayName("asked for an access token alone: it expires within the cap, not an hour later")
        void accessTokenAlone() {
            Fixture f = fixture("v1-access");
            Oidc.Reply exchanged = realm.oidc().tokenExchange(f.app().clientId(), f.app().secret(), "subject_token", f.subjectToken(),
                    "subject_token_type", ACCESS_TOKEN_TYPE, "requested_token_type", ACCESS_TOKEN_TYPE);
            assertLegacyExchange(exchanged, ACCESS_TOKEN_TYPE);
            JsonNode access = Jwt.claims(exchanged.text("access_token"));
            assertThat(access.path("sub").asText()).isEqualTo(f.user().id());
            assertThat(access.path("exp").asLong()).as("exchanged access token exp").isLessThanOrEqualTo(f.started() + 62);
            assertThat(exchanged.json().path("expires_in").asLong()).isLessThanOrEqualTo(62);
        }

        @Test
        @DisplayName("asked for a refresh token (V1's default): both tokens expire within the cap")
        void withRefreshToken() {
            Fixture f = fixture("v1-refresh");
            Oidc.Reply exchanged = realm.oidc().tokenExchange(f.app().clientId(), f.app().secret(), "subject_token", f.subjectToken(),
                    "subject_token_type", ACCESS_TOKEN_TYPE);
            assertLegacyExchange(exchanged, REFRESH_TOKEN_TYPE);
            assertThat(Jwt.claims(exchanged.text("access_token")).path("exp").asLong()).isLessThanOrEqualTo(f.started() + 62);
            assertThat(Jwt.claims(exchanged.text("refresh_token")).path("exp").asLong()).isLessThanOrEqualTo(f.started() + 62);
        }
    }

    record Fixture(TestRealm.Client app, TestRealm.User user, long started, String subjectToken) {
    }

    /** A confidential client (standard exchange off, so V1 answers) with a 60 s cap, and a user signed in to it. */
    static Fixture fixture(String name) {
        TestRealm.Client app = realm.createClient(name + "-app");
        realm.setClientAttributes(app.uuid(), Map.of("access.token.lifespan", "3600", "bastion.session.maxSeconds", "60"));
        TestRealm.User user = realm.createUser(name + "-user", false);
        long started = System.currentTimeMillis() / 1000;
        Oidc.Reply login = realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
        assertThat(login.status()).as(login.body()).isEqualTo(200);
        assertThat(Jwt.claims(login.text("access_token")).path("exp").asLong()).as("the login's own access token")
                .isLessThanOrEqualTo(started + 62);
        return new Fixture(app, user, started, login.text("access_token"));
    }

    /** Answered by V1: standard exchange is off for the client, so V2 would have refused the request. */
    static void assertLegacyExchange(Oidc.Reply exchanged, String issuedTokenType) {
        assertThat(exchanged.status()).as(exchanged.body()).isEqualTo(200);
        assertThat(exchanged.json().path("issued_token_type").asText()).isEqualTo(issuedTokenType);
    }
}
