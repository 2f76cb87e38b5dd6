package org.kcbastion.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The pure rules behind the guard of policy writes through Keycloak's own endpoints (issue 21: unit tests). */
class PolicyWritesTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    @DisplayName("a realm update changes what it sends, removes policy attributes it leaves out, and touches nothing without attributes")
    void realmUpdate() throws Exception {
        Map<String, String> current = new HashMap<>(Map.of("bastion.session.maxSeconds", "3600", "bastion.stepUp.maxAgeSeconds", "120"));
        assertThat(PolicyWrites.changedRealmAttributes(current, null)).isEmpty();
        assertThat(PolicyWrites.changedRealmAttributes(current,
                json("{\"bastion.session.maxSeconds\": \"3600\", \"bastion.stepUp.maxAgeSeconds\": \"120\", \"other\": \"x\"}")))
                .as("sent back unchanged").isEmpty();
        Map<String, String> changed = PolicyWrites.changedRealmAttributes(current, json("{\"bastion.session.maxSeconds\": \"7200\"}"));
        assertThat(changed).containsEntry("bastion.session.maxSeconds", "7200").containsKey("bastion.stepUp.maxAgeSeconds");
        assertThat(changed.get("bastion.stepUp.maxAgeSeconds")).as("left out: removed").isNull();
        assertThat(PolicyWrites.changedRealmAttributes(Map.of(), json("{\"bastion.session.enforce\": \"report\"}")))
                .containsEntry("bastion.session.enforce", "report");
    }

    @Test
    @DisplayName("caps: setting or lowering needs no step-up, raising or removing does, a bad value is invalid")
    void caps() throws Exception {
        String cap = "bastion.session.maxSeconds";
        assertThat(PolicyWrites.capWrite("client app", null, json("{\"" + cap + "\": \"600\"}"), true).needsGuard()).as("set").isFalse();
        assertThat(PolicyWrites.capWrite("client app", "900", json("{\"" + cap + "\": \"600\"}"), true).needsGuard())
                .as("lowered").isFalse();
        assertThat(PolicyWrites.capWrite("client app", "900", json("{\"" + cap + "\": \"1200\"}"), true).needsGuard())
                .as("raised").isTrue();
        assertThat(PolicyWrites.capWrite("client app", "900", json("{}"), true).needsGuard()).as("removed by a full replace").isTrue();
        assertThat(PolicyWrites.capWrite("client app", "900", json("{}"), false).needsGuard()).as("left out of a partial update").isFalse();
        assertThat(PolicyWrites.capWrite("role r", null, json("{\"" + cap + "\": [\"30\"]}"), true).invalid())
                .as("below the floor").isPresent();
        assertThat(PolicyWrites.capWrite("role r", null, json("{\"" + cap + "\": [\"abc\"]}"), true).invalid()).isPresent();
    }

    @Test
    @DisplayName("partialImport: every cap in the body needs a step-up (an overwrite cannot be told apart), bad ones are invalid")
    void partialImport() throws Exception {
        String body = """
                {"clients": [{"clientId": "a", "attributes": {"bastion.session.maxSeconds": "600"}}, {"clientId": "b"}],
                 "roles": {"realm": [{"name": "r", "attributes": {"bastion.session.maxSeconds": ["900"]}}],
                           "client": {"a": [{"name": "x", "attributes": {"bastion.session.maxSeconds": ["5"]}}]}}}""";
        PolicyWrites.Assessment a = PolicyWrites.partialImport(json(body));
        assertThat(a.changed()).containsExactly("client a bastion.session.maxSeconds", "role r bastion.session.maxSeconds");
        assertThat(a.invalid()).isPresent();
        assertThat(PolicyWrites.partialImport(json("{\"users\": []}")).needsGuard()).isFalse();
    }
}
