package org.kcbastion.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Which CAEP events Bastion adds to a revocation")
class SharedSignalsTest {

    @Test
    @DisplayName("no credential-change where Keycloak's transmitter sends one itself (reset, removal)")
    void noDuplicateOfKeycloaksOwn() {
        assertThat(new SharedSignals.Revocation("u", List.of("s"), "reset_password", List.of("password")).credentialChange(true)).isNull();
        assertThat(new SharedSignals.Revocation("u", List.of("s"), "credential_removed", List.of("otp")).credentialChange(true)).isNull();
    }

    @Test
    @DisplayName("a transmitter that does not emit credential-change itself gets Bastion's for the reset and the removal")
    void keycloakSilent() {
        assertThat(new SharedSignals.Revocation("u", List.of("s"), "reset_password", List.of("password")).credentialChange(false))
                .isEqualTo("update");
        assertThat(new SharedSignals.Revocation("u", List.of("s"), "credential_removed", List.of("otp")).credentialChange(false))
                .isEqualTo("delete");
    }

    @Test
    @DisplayName("credential-change for the changes Keycloak does not map: set (update) and disabled (revoke)")
    void unmappedChanges() {
        assertThat(new SharedSignals.Revocation("u", List.of(), "credentials_set", List.of("password")).credentialChange(true))
                .isEqualTo("update");
        assertThat(new SharedSignals.Revocation("u", List.of(), "credential_disabled", List.of("otp")).credentialChange(true))
                .isEqualTo("revoke");
        assertThat(new SharedSignals.Revocation("u", List.of(), "credential_disabled", List.of()).credentialChange(true))
                .as("no type that existed: nothing changed").isNull();
        assertThat(new SharedSignals.Revocation("u", List.of("s"), "admin_request", List.of()).credentialChange(true)).isNull();
    }

    @Test
    @DisplayName("reasons name the cause; policy ends are not the admin's")
    void reasons() {
        assertThat(new SharedSignals.Revocation("u", List.of("s"), "admin_request", List.of()).reason())
                .isEqualTo("Sessions revoked by an administrator");
        SharedSignals.Revocation capped = SharedSignals.Revocation.byPolicy("u", List.of("s"), "session_limit_reached");
        assertThat(capped.byPolicy()).isTrue();
        assertThat(capped.reason()).isEqualTo("Session reached its absolute lifetime");
        assertThat(SharedSignals.Revocation.byPolicy("u", List.of("s"), "something_new").reason()).isEqualTo("Session ended by policy");
    }
}
