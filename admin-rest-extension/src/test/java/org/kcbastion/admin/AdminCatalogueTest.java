package org.kcbastion.admin;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The catalogue table as shipped, and the reader that refuses a table it cannot trust. */
class AdminCatalogueTest {

    @Test
    @DisplayName("the shipped table loads in order, with impersonation self-guarded and containment never stepped up")
    void shipped() {
        Map<String, AdminCatalogue.Entry> entries = AdminCatalogue.read(AdminCatalogue.TABLE);
        assertThat(entries).hasSize(71);
        assertThat(entries.keySet()).first().isEqualTo("RoleMapperResource#addRealmRoleMappings");
        assertThat(entries.get("UserResource#impersonate").rule()).isEqualTo(AdminCatalogue.Rule.SELF_GUARDED);
        assertThat(entries.get("UserResource#logout").rule()).isEqualTo(AdminCatalogue.Rule.CONTAINMENT);
        assertThat(entries.get("ClientResource#regenerateSecret"))
                .isEqualTo(new AdminCatalogue.Entry("clients", AdminCatalogue.Rule.ALWAYS,
                        "a new secret the caller knows (service accounts may hold admin roles)"));
        assertThat(AdminCatalogue.entries()).as("plus the authorization services of the admin clients").hasSize(72);
    }

    @Test
    @DisplayName("a routed method resolves exactly, else through its resource's wildcard, else not at all")
    void find() {
        class ProtocolMappersResource {
        }
        class UserResource {
        }
        assertThat(AdminCatalogue.find(ProtocolMappersResource.class, "createMapper")).map(AdminCatalogue.Entry::action)
                .contains("token_mappers");
        assertThat(AdminCatalogue.find(UserResource.class, "resetPassword")).map(AdminCatalogue.Entry::action)
                .contains("credentials");
        assertThat(AdminCatalogue.find(UserResource.class, "getUser")).isEmpty();
        assertThat(AdminCatalogue.find(null, "resetPassword")).isEmpty();
    }

    @Test
    @DisplayName("a malformed row, an unknown rule or a method listed twice is refused with its line number")
    void refused() {
        assertThatThrownBy(() -> AdminCatalogue.parse("t", "# comment\n\nA#b\tx\tALWAYS\n")).hasMessageContaining("t line 3")
                .hasMessageContaining("four tab-separated cells");
        assertThatThrownBy(() -> AdminCatalogue.parse("t", "A#b\tx\tSOMETIMES\twhy")).hasMessageContaining("unknown rule SOMETIMES");
        assertThatThrownBy(() -> AdminCatalogue.parse("t", "A#b\tx\tALWAYS\twhy\nA#b\ty\tALWAYS\twhy"))
                .hasMessageContaining("t line 2").hasMessageContaining("twice");
        assertThatThrownBy(() -> AdminCatalogue.parse("t", "A.b\tx\tALWAYS\twhy")).hasMessageContaining("not a routed method");
        assertThatThrownBy(() -> AdminCatalogue.parse("t", "A#b\t \tALWAYS\twhy")).hasMessageContaining("four");
        assertThat(AdminCatalogue.parse("t", "A#*\tx\tALWAYS\twhy, with spaces")).containsKey("A#*");
    }
}
