package org.kcbastion.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AdminPathsTest {

    @Test
    @DisplayName("slashes at either end are folded; null stays null")
    void normalize() {
        assertThat(AdminPaths.normalize("/users/1/reset-password/")).isEqualTo("users/1/reset-password");
        assertThat(AdminPaths.normalize("///")).isEmpty();
        assertThat(AdminPaths.normalize(null)).isNull();
    }

    @Test
    @DisplayName("the realm is named by admin API paths only")
    void realmName() {
        assertThat(AdminPaths.realmName(List.of("admin", "realms", "acme", "roles"))).isEqualTo("acme");
        assertThat(AdminPaths.realmName(List.of("admin", "realms", "acme"))).isEqualTo("acme");
        assertThat(AdminPaths.realmName(List.of("admin", "realms"))).isNull();
        assertThat(AdminPaths.realmName(List.of("realms", "acme", "protocol", "openid-connect", "token"))).isNull();
        assertThat(AdminPaths.realmName(List.of("admin", "master", "console"))).isNull();
        assertThat(AdminPaths.realmName(List.of())).isNull();
    }
}
