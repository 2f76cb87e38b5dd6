package org.kcbastion.admin;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.kcbastion.core.PolicyKey;
import org.keycloak.models.ClientModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;

import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Validation before anything is stored: every field checked, the first bad one named, values normalized. */
class PolicyUpdateTest {

    static <T> T fake(Class<T> type, java.util.function.BiFunction<String, Object[], Object> answer) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (p, m, a) -> answer.apply(m.getName(), a)));
    }

    /** A realm named "acme" with realm role {@code auditor} and client {@code crm} holding role {@code admin}. */
    static RealmModel acme() {
        RoleModel role = fake(RoleModel.class, (m, a) -> null);
        ClientModel crm = fake(ClientModel.class, (m, a) -> m.equals("getRole") && "admin".equals(a[0]) ? role : null);
        return fake(RealmModel.class, (m, a) -> switch (m) {
            case "getName" -> "acme";
            case "getRole" -> "auditor".equals(a[0]) ? role : null;
            case "getClientByClientId" -> "crm".equals(a[0]) ? crm : null;
            default -> throw new UnsupportedOperationException(m);
        });
    }

    static Map<String, String> fields(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
        return m;
    }

    @Test
    @DisplayName("good values come back by key, stripped; blank or null means unset")
    void accepted() {
        Map<PolicyKey, String> changes = PolicyUpdate.validateValues(fields("bastion.stepUp.maxAgeSeconds", " 120 ",
                "bastion.securityContact", "", "bastion.session.enforce", null));
        assertThat(changes).containsEntry(PolicyKey.STEP_UP_MAX_AGE_SECONDS, "120")
                .containsEntry(PolicyKey.SECURITY_CONTACT, null).containsEntry(PolicyKey.SESSION_ENFORCE, null).hasSize(3);
        assertThat(changes.keySet()).containsExactly(PolicyKey.STEP_UP_MAX_AGE_SECONDS, PolicyKey.SECURITY_CONTACT,
                PolicyKey.SESSION_ENFORCE);
    }

    @Test
    @DisplayName("an unknown attribute or a value out of range is refused, naming the field")
    void refused() {
        assertThatThrownBy(() -> PolicyUpdate.validateValues(fields("bastion.stepUp.maxAgeSeconds", "120", "bastion.nope", "1")))
                .isInstanceOfSatisfying(PolicyUpdate.Invalid.class, e -> assertThat(e.field).isEqualTo("bastion.nope"))
                .hasMessageContaining("not a Bastion policy attribute");
        assertThatThrownBy(() -> PolicyUpdate.validateValues(fields("bastion.stepUp.maxAgeSeconds", "5")))
                .isInstanceOfSatisfying(PolicyUpdate.Invalid.class, e -> assertThat(e.field).isEqualTo("bastion.stepUp.maxAgeSeconds"));
        assertThatThrownBy(() -> PolicyUpdate.validateValues(fields("bastion.session.enforce", "sometimes")))
                .isInstanceOf(PolicyUpdate.Invalid.class);
    }

    @Test
    @DisplayName("protected roles must exist in the realm (realm role, or clientId/role); a new realm cannot be asked")
    void protectedRoles() {
        String key = PolicyKey.IMPERSONATION_PROTECTED_ROLES.attribute();
        assertThat(PolicyUpdate.validate(acme(), fields(key, "auditor, crm/admin"))).containsEntry(PolicyKey.IMPERSONATION_PROTECTED_ROLES,
                "auditor, crm/admin");
        for (String missing : Set.of("ghost", "crm/ghost", "erp/admin")) {
            assertThatThrownBy(() -> PolicyUpdate.validate(acme(), fields(key, "auditor," + missing)))
                    .isInstanceOf(PolicyUpdate.Invalid.class).hasMessageContaining("role '" + missing + "' does not exist in realm acme");
        }
        assertThat(PolicyUpdate.validateValues(fields(key, "ghost"))).as("new realm: roles come with it")
                .containsEntry(PolicyKey.IMPERSONATION_PROTECTED_ROLES, "ghost");
    }
}
