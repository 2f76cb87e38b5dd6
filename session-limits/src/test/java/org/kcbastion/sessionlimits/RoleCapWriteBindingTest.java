package org.kcbastion.sessionlimits;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.keycloak.services.resources.admin.RealmAdminResource;
import org.keycloak.services.resources.admin.RoleByIdResource;
import org.keycloak.services.resources.admin.RoleContainerResource;
import org.keycloak.services.resources.admin.RoleMapperResource;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which of Keycloak's own admin methods drop the cached realm, and with it the role-cap index, when they run. */
class RoleCapWriteBindingTest {

    private static List<String> bound(Class<?> resource) {
        return Arrays.stream(resource.getMethods()).filter(RoleCapWriteBinding::binds).map(Method::getName).distinct().sorted().toList();
    }

    @Test
    @DisplayName("creating or updating a realm or client role, by name or by id, and the partial import are bound")
    void roleWritesAreBound() {
        assertThat(bound(RoleContainerResource.class)).containsExactly("createRole", "updateRole");
        assertThat(bound(RoleByIdResource.class)).containsExactly("updateRole");
        assertThat(bound(RealmAdminResource.class)).containsExactly("partialImport");
    }

    @Test
    @DisplayName("role mappings (lists of roles, frequent) and reads are not: Keycloak resolves held roles per request")
    void mappingsAndReadsAreNot() throws Exception {
        assertThat(bound(RoleMapperResource.class)).isEmpty();
        assertThat(RoleCapWriteBinding.binds(RoleContainerResource.class.getMethod("getRole", String.class))).isFalse();
        assertThat(RoleCapWriteBinding.binds(null)).isFalse();
    }

    @Test
    @DisplayName("the index answers a role's cap by id, 0 for a role without one")
    void indexLookups() {
        RoleCapIndex index = RoleCapIndex.read(java.util.Map.of("r1", 900L, "r2", 3600L));
        assertThat(index.isEmpty()).isFalse();
        assertThat(index.cap("r1")).isEqualTo(900);
        assertThat(index.cap("r2")).isEqualTo(3600);
        assertThat(index.cap("other")).isZero();
        assertThat(index.smallest()).isEqualTo(900);
        assertThat(RoleCapIndex.read(java.util.Map.of()).isEmpty()).isTrue();
        assertThat(RoleCapIndex.read(java.util.Map.of()).smallest()).isZero();
    }
}
