package org.kcbastion.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.ImportingServer;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.MasterAdmins;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.TestRealm;
import org.keycloak.representations.idm.RoleRepresentation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 17: a realm exported after the console tab was saved imports again, through {@code partialImport}, through
 * {@code kc.sh import} and {@code --import-realm} at startup (no HTTP request on either), with the Bastion JAR and,
 * once the tab's component is left out, without it.
 */
@BastionKeycloak
@DisplayName("Export and import of a realm with a saved policy tab (issue 17)")
class ExportImportIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TAB_TYPE = "org.keycloak.services.ui.extend.UiTabProvider";
    static MasterAdmins admins;
    static ObjectNode exported;
    static TestRealm.Client app;

    @BeforeAll
    static void setUp(KeycloakServer server, TestRealm realm) {
        admins = MasterAdmins.create(server, realm);
        String stepUp = admins.stepUpToken(admins.admin("manage-realm", "view-realm", "manage-clients"));
        Oidc.Reply put = realm.callAs(stepUp, "PUT", "bastion/policy",
                "{\"bastion.session.maxSeconds\": 7200, \"bastion.session.enforce\": \"report\", \"bastion.stepUp.maxAgeSeconds\": 120}");
        assertThat(put.status()).as(put.body()).isEqualTo(200);

        // The tab saved the way the console saves it: created, then one field changed.
        String realmId = realm.admin().toRepresentation().getId();
        Oidc.Reply created = realm.callAs(stepUp, "POST", "components",
                "{\"name\": \"bastion-policy\", \"providerId\": \"bastion-policy\", "
                + "\"providerType\": \"" + TAB_TYPE + "\", \"parentId\": \"" + realmId + "\", \"config\": {}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        ObjectNode tab = tab(realm).deepCopy();
        ((ObjectNode) tab.get("config")).putArray("bastion.impersonation.maxSessionSeconds").add("600");
        Oidc.Reply saved = realm.callAs(stepUp, "PUT", "components/" + tab.path("id").asText(), tab.toString());
        assertThat(saved.status()).as(saved.body()).isEqualTo(204);

        app = realm.createClient("export-app");
        var client = realm.admin().clients().get(app.uuid());
        var rep = client.toRepresentation();
        rep.getAttributes().put("bastion.session.maxSeconds", "1800");
        client.update(rep);
        RoleRepresentation role = new RoleRepresentation("export-capped", null, false);
        role.setAttributes(Map.of("bastion.session.maxSeconds", List.of("900")));
        realm.admin().roles().create(role);

        Oidc.Reply export = realm.adminCall("POST", "partial-export?exportClients=true&exportGroupsAndRoles=true", null);
        assertThat(export.status()).as(export.body()).isEqualTo(200);
        exported = (ObjectNode) export.json();
        JsonNode component = bastionTab(exported);
        assertThat(component).as("the export carries the saved tab").isNotNull();
        assertThat(component.path("config").path("bastion.impersonation.maxSessionSeconds").path(0).asText()).isEqualTo("600");
    }

    @AfterAll
    static void tearDown() {
        if (admins != null) admins.close();
    }

    @Nested
    @DisplayName("partialImport (POST /admin/realms/{realm}/partialImport)")
    class PartialImport {

        @Test
        @DisplayName(
                "the export imported into a new realm brings the client and role caps; without a step-up it is refused and imports nothing")
        void intoNewRealm(KeycloakServer server) {
            TestRealm target = TestRealm.createOn(server, "it-export-partial");
            try {
                String[] roles = {"manage-realm", "view-realm", "manage-clients", "manage-users"};
                ObjectNode body = exported.deepCopy();
                body.put("ifResourceExists", "SKIP");
                String plain = admins.plainToken(admins.adminWith("it-export-partial-realm", roles));
                Oidc.Reply refused = target.callAs(plain, "POST", "partialImport", body.toString());
                assertThat(refused.status()).as(refused.body()).isEqualTo(401);
                assertThat(refused.text("error")).isEqualTo("step_up_required");
                assertThat(target.admin().clients().findByClientId("export-app")).as("nothing imported").isEmpty();

                String stepUp = admins.stepUpToken(admins.adminWith("it-export-partial-realm", roles));
                Oidc.Reply imported = target.callAs(stepUp, "POST", "partialImport", body.toString());
                assertThat(imported.status()).as(imported.body()).isEqualTo(200);
                assertThat(target.admin().clients().findByClientId("export-app").get(0).getAttributes())
                        .containsEntry("bastion.session.maxSeconds", "1800");
                assertThat(target.admin().roles().get("export-capped").toRepresentation().getAttributes())
                        .containsEntry("bastion.session.maxSeconds", List.of("900"));
            } finally {
                target.close();
            }
        }
    }

    @Nested
    @Tag("dev-mode-h2")
    @DisplayName("kc.sh import and --import-realm at startup")
    class WithoutHttp {

        @Test
        @DisplayName("with the JAR: both realms arrive with their policy, the tab mirrors the attributes (not the file's stale copy), "
                + "and a cap below the floor that came in with the file is enforced at the floor")
        void withBastion() throws IOException {
            Path dir = Files.createDirectories(Path.of("target/it-work/export-import"));
            ObjectNode cli = renamed("exp-cli");
            // A stale copy in the file's tab: the import must not let it stand.
            ((ObjectNode) bastionTab(cli).get("config")).putArray("bastion.session.maxSeconds").add("999");
            ObjectNode startup = renamed("exp-startup");
            ((ObjectNode) startup.get("attributes")).put("bastion.session.maxSeconds", "20");
            Path cliFile = write(dir.resolve("exp-cli.json"), cli);
            Path startupFile = write(dir.resolve("exp-startup.json"), startup);

            try (ImportingServer server = ImportingServer.start("import-with-bastion", true, cliFile, startupFile)) {
                TestRealm cliRealm = TestRealm.existingOn(server, "exp-cli");
                Map<String, String> attributes = cliRealm.admin().toRepresentation().getAttributes();
                assertThat(attributes).containsEntry("bastion.session.maxSeconds", "7200")
                        .containsEntry("bastion.session.enforce", "report").containsEntry("bastion.stepUp.maxAgeSeconds", "120")
                        .containsEntry("bastion.impersonation.maxSessionSeconds", "600");
                JsonNode tab = tab(cliRealm);
                assertThat(tab.path("config").path("bastion.session.maxSeconds").path(0).asText()).as("%s", tab).isEqualTo("7200");
                assertThat(tab.path("config").path("bastion.impersonation.maxSessionSeconds").path(0).asText()).isEqualTo("600");
                assertThat(cliRealm.admin().clients().findByClientId("export-app").get(0).getAttributes())
                        .containsEntry("bastion.session.maxSeconds", "1800");

                TestRealm startupRealm = TestRealm.existingOn(server, "exp-startup");
                JsonNode cap = startupRealm.adminCall("GET", "bastion/policy", null).json().path("policy")
                        .path("bastion.session.maxSeconds");
                assertThat(cap.path("value").asText()).as("%s", cap).isEqualTo("60");
                assertThat(cap.path("invalid").asText()).isEqualTo("20");
                startupRealm.setAttributes(Map.of("bastion.session.enforce", "enforce"));
                TestRealm.Client client = startupRealm.createClient("floor-app");
                TestRealm.User user = startupRealm.createUser("floor-user", false);
                Oidc.Reply tokens = startupRealm.oidc().passwordGrant(client.clientId(), client.secret(), user.username(), user.password());
                assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
                try {
                    startupRealm.setClockOffset(30);
                    assertThat(startupRealm.oidc().refresh(client.clientId(), client.secret(), tokens.text("refresh_token")).status())
                            .as("30 s: past the imported 20, inside the 60 s floor").isEqualTo(200);
                    startupRealm.setClockOffset(61);
                    Oidc.Reply late = startupRealm.oidc().refresh(client.clientId(), client.secret(), tokens.text("refresh_token"));
                    assertThat(late.status()).as("61 s: past the floor: %s", late.body()).isEqualTo(400);
                } finally {
                    startupRealm.setClockOffset(0);
                }
            }
        }

        @Test
        @DisplayName("without the JAR: the export, with the tab's component left out (README), imports both ways "
                + "and keeps every bastion.* attribute")
        void withoutBastion() throws IOException {
            Path dir = Files.createDirectories(Path.of("target/it-work/export-import"));
            Path cliFile = write(dir.resolve("plain-cli.json"), withoutTab(renamed("plain-cli")));
            Path startupFile = write(dir.resolve("plain-startup.json"), withoutTab(renamed("plain-startup")));
            try (ImportingServer server = ImportingServer.start("import-without-bastion", false, cliFile, startupFile)) {
                for (String name : List.of("plain-cli", "plain-startup")) {
                    Map<String, String> attributes = server.admin().realm(name).toRepresentation().getAttributes();
                    assertThat(attributes).as(name).containsEntry("bastion.session.maxSeconds", "7200")
                            .containsEntry("bastion.session.enforce", "report")
                            .containsEntry("bastion.impersonation.maxSessionSeconds", "600");
                }
                assertThat(server.log()).doesNotContain("org.kcbastion");
            }
        }
    }

    static JsonNode tab(TestRealm realm) {
        Oidc.Reply list = realm.adminCall("GET", "components?type=" + TAB_TYPE, null);
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        for (JsonNode c : list.json()) {
            if ("bastion-policy".equals(c.path("providerId").asText())) return c;
        }
        throw new AssertionError("no bastion-policy component: " + list.body());
    }

    static JsonNode bastionTab(JsonNode realm) {
        for (JsonNode c : realm.path("components").path(TAB_TYPE)) {
            if ("bastion-policy".equals(c.path("providerId").asText())) return c;
        }
        return null;
    }

    /**
     * The export under another name, without ids: two realms from one export share a database, and Keycloak makes
     * fresh ids on import.
     */
    static ObjectNode renamed(String name) {
        ObjectNode copy = exported.deepCopy();
        stripIds(copy);
        copy.put("realm", name);
        return copy;
    }

    /** The README's step for a Keycloak without Bastion: Keycloak refuses a component whose provider is missing. */
    static ObjectNode withoutTab(ObjectNode realm) {
        ArrayNode tabs = (ArrayNode) realm.path("components").path(TAB_TYPE);
        for (Iterator<JsonNode> it = tabs.elements(); it.hasNext(); ) {
            if ("bastion-policy".equals(it.next().path("providerId").asText())) it.remove();
        }
        return realm;
    }

    private static void stripIds(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.remove(List.of("id", "containerId"));
            o.elements().forEachRemaining(ExportImportIT::stripIds);
        } else if (node instanceof ArrayNode a) {
            a.elements().forEachRemaining(ExportImportIT::stripIds);
        }
    }

    private static Path write(Path file, JsonNode json) throws IOException {
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        return file;
    }
}
