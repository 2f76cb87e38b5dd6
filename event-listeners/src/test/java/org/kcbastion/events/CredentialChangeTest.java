package org.kcbastion.events;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CredentialChangeTest {

    @Test
    @DisplayName("admin events that change a credential are recognised, with the user id from the path")
    void adminEvents() {
        assertThat(CredentialChange.fromAdminEvent("ACTION", "users/u1/reset-password", "r", false))
                .hasValueSatisfying(c -> {
                    assertThat(c.trigger()).isEqualTo("reset_password");
                    assertThat(c.userId()).isEqualTo("u1");
                });
        assertThat(CredentialChange.fromAdminEvent("ACTION", "users/u1/credentials/c9", "r", false))
                .hasValueSatisfying(c -> assertThat(c.trigger()).isEqualTo("credential_removed"));
        assertThat(CredentialChange.fromAdminEvent("UPDATE", "users/u1", "r", true))
                .hasValueSatisfying(c -> assertThat(c.trigger()).isEqualTo("credentials_set"));
    }

    @Test
    @DisplayName("every spelling Keycloak routes to the same endpoint: trailing and leading slashes (issue 14)")
    void spellings() {
        for (String path : new String[]{"users/u1/reset-password/", "/users/u1/reset-password", "users/u1/reset-password//"}) {
            assertThat(CredentialChange.fromAdminEvent("ACTION", path, "r", false)).as(path)
                    .hasValueSatisfying(c -> assertThat(c.userId()).isEqualTo("u1"));
        }
        assertThat(CredentialChange.fromAdminEvent("ACTION", "users/u1/credentials/c9/", "r", false))
                .hasValueSatisfying(c -> assertThat(c.trigger()).isEqualTo("credential_removed"));
        assertThat(CredentialChange.fromAdminEvent("UPDATE", "users/u1/", "r", true))
                .hasValueSatisfying(c -> assertThat(c.userId()).isEqualTo("u1"));
        assertThat(CredentialChange.disableCredentialTypesRequest("PUT", "/admin/realms/demo/users/u1/disable-credential-types/"))
                .isPresent();
    }

    @Test
    @DisplayName("profile updates, logouts and other admin events are not credential changes")
    void notCredentialChanges() {
        assertThat(CredentialChange.fromAdminEvent("UPDATE", "users/u1", "r", false)).isEmpty();
        assertThat(CredentialChange.fromAdminEvent("ACTION", "users/u1/logout", "r", true)).isEmpty();
        assertThat(CredentialChange.fromAdminEvent("ACTION", "users/u1/execute-actions-email", "r", false)).isEmpty();
        assertThat(CredentialChange.fromAdminEvent("UPDATE", "users/u1/credentials/c9/userLabel", "r", false)).isEmpty();
        assertThat(CredentialChange.fromAdminEvent("ACTION", "bastion/users/u1/revoke-sessions", "r", false)).isEmpty();
        assertThat(CredentialChange.fromAdminEvent("ACTION", null, "r", false)).isEmpty();
    }

    @Test
    @DisplayName("request paths: PUT users/{id} and PUT users/{id}/disable-credential-types, with or without a leading slash")
    void requests() {
        assertThat(CredentialChange.userUpdateRequest("PUT", "/admin/realms/demo/users/u1")).hasValueSatisfying(ids -> {
            assertThat(ids[0]).isEqualTo("demo");
            assertThat(ids[1]).isEqualTo("u1");
        });
        assertThat(CredentialChange.userUpdateRequest("PUT", "admin/realms/demo/users/u1/")).isPresent();
        assertThat(CredentialChange.userUpdateRequest("GET", "/admin/realms/demo/users/u1")).isEmpty();
        assertThat(CredentialChange.userUpdateRequest("PUT", "/admin/realms/demo/users/u1/groups/g")).isEmpty();
        assertThat(CredentialChange.disableCredentialTypesRequest("PUT", "/admin/realms/demo/users/u1/disable-credential-types"))
                .isPresent();
        assertThat(CredentialChange.disableCredentialTypesRequest("POST", "/admin/realms/demo/users/u1/disable-credential-types"))
                .isEmpty();
    }

    @Test
    @DisplayName("the earliest completed login step is read from Keycloak's authenticators-completed note")
    void firstCompletedStep() {
        assertThat(StaleLoginGuard.firstCompletedStep("{\"a\":1700000005,\"b\":1700000001}")).isEqualTo(1700000001L);
        assertThat(StaleLoginGuard.firstCompletedStep(null)).isEqualTo(Long.MAX_VALUE);
        assertThat(StaleLoginGuard.firstCompletedStep("not json")).isEqualTo(Long.MAX_VALUE);
        assertThat(StaleLoginGuard.firstCompletedStep("{}")).isEqualTo(Long.MAX_VALUE);
    }
}
