package org.kcbastion.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.ClientScopeRepresentation;
import org.keycloak.util.JsonSerialization;

import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Shared Signals receivers of a test realm, set up the way a real receiver does it against Keycloak's SSF
 * transmitter: a confidential client with a service account and both SSF scopes, one stream, subjects added with
 * {@code subjects/add}, polling with RFC 8936. Needs the realm attribute {@code ssf.transmitterEnabled=true}.
 */
public final class SsfReceivers {

    public static final String PUSH = "urn:ietf:rfc:8935";
    public static final String POLL = "urn:ietf:rfc:8936";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A receiver client and its stream; {@code issuer} is the {@code iss} the stream was created with. */
    public record Receiver(String uuid, String clientId, String secret, String streamId, String issuer) {
        public String audience() {
            return clientId + "/" + streamId;
        }
    }

    private SsfReceivers() {
    }

    /** A receiver client with one stream for {@code events}; {@code delivery} is the stream's delivery member. */
    public static Receiver create(TestRealm realm, String clientId, Map<String, String> delivery, List<String> events) {
        ClientRepresentation c = new ClientRepresentation();
        c.setClientId(clientId);
        c.setProtocol("openid-connect");
        c.setPublicClient(false);
        c.setSecret("secret-" + UUID.randomUUID());
        c.setStandardFlowEnabled(false);
        c.setServiceAccountsEnabled(true);
        Map<String, String> attributes = new HashMap<>(Map.of("ssf.enabled", "true"));
        if (delivery.containsKey("endpoint_url")) attributes.put("ssf.validPushUrls", delivery.get("endpoint_url"));
        c.setAttributes(attributes);
        String uuid;
        try (Response r = realm.admin().clients().create(c)) {
            uuid = CreatedResponseUtil.getCreatedId(r);
        }
        for (String scope : List.of("ssf.read", "ssf.manage")) {
            realm.admin().clients().get(uuid).addOptionalClientScope(scopeId(realm, scope));
        }
        Map<String, Object> stream = Map.of("delivery", delivery, "description", "Bastion IT " + clientId, "events_requested", events);
        Oidc.Reply created = call(realm, token(realm, clientId, c.getSecret()), "POST", "/ssf/transmitter/streams", json(stream));
        if (created.status() != 201) throw new AssertionError("stream not created: " + created);
        return new Receiver(uuid, clientId, c.getSecret(), created.text("stream_id"), created.text("iss"));
    }

    /** The receiver subscribes a user to its stream; the subject's issuer is the realm's token issuer. */
    public static void subscribe(TestRealm realm, String userId, Receiver receiver) {
        Map<String, Object> body = Map.of("stream_id", receiver.streamId(), "verified", true, "subject",
                Map.of("format", "iss_sub", "iss", realm.server().baseUrl() + "/realms/" + realm.name(), "sub", userId));
        Oidc.Reply added = call(realm, token(realm, receiver.clientId(), receiver.secret()), "POST",
                "/ssf/transmitter/subjects/add", json(body));
        if (added.status() != 200) throw new AssertionError("subject not added: " + added);
    }

    /** Everything queued for a poll receiver now (returnImmediately), acknowledged so it is not returned again. */
    public static List<SetReceiver.Set> poll(TestRealm realm, Receiver receiver) {
        String path = "/ssf/transmitter/receivers/" + receiver.clientId() + "/streams/" + receiver.streamId() + "/poll";
        String token = token(realm, receiver.clientId(), receiver.secret());
        Oidc.Reply r = call(realm, token, "POST", path, json(Map.of("maxEvents", 100, "returnImmediately", true)));
        if (r.status() != 200) throw new AssertionError("poll failed: " + r);
        List<SetReceiver.Set> sets = new ArrayList<>();
        List<String> ack = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = r.json().path("sets").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            sets.add(SetReceiver.Set.parse(e.getValue().asText(), null));
            ack.add(e.getKey());
        }
        if (!ack.isEmpty()) {
            Oidc.Reply acked = call(realm, token, "POST", path, json(Map.of("maxEvents", 0, "returnImmediately", true, "ack", ack)));
            if (acked.status() != 200) throw new AssertionError("ack failed: " + acked);
        }
        return sets;
    }

    public static void deleteStream(TestRealm realm, Receiver receiver) {
        Oidc.Reply deleted = call(realm, token(realm, receiver.clientId(), receiver.secret()), "DELETE",
                "/ssf/transmitter/streams?stream_id=" + receiver.streamId(), null);
        if (deleted.status() / 100 != 2) throw new AssertionError("stream not deleted: " + deleted);
    }

    /** Keycloak creates the SSF scopes with a realm that starts with its transmitter on; later, the receiver's admin does. */
    private static String scopeId(TestRealm realm, String name) {
        Optional<String> existing = realm.admin().clientScopes().findAll().stream()
                .filter(s -> name.equals(s.getName())).map(ClientScopeRepresentation::getId).findFirst();
        if (existing.isPresent()) return existing.get();
        ClientScopeRepresentation scope = new ClientScopeRepresentation();
        scope.setName(name);
        scope.setProtocol("openid-connect");
        try (Response r = realm.admin().clientScopes().create(scope)) {
            return CreatedResponseUtil.getCreatedId(r);
        }
    }

    private static String token(TestRealm realm, String clientId, String secret) {
        Oidc.Reply t = realm.oidc().clientCredentials(clientId, secret, "scope", "ssf.manage ssf.read");
        if (t.status() != 200) throw new AssertionError("receiver token refused: " + t);
        return t.text("access_token");
    }

    private static Oidc.Reply call(TestRealm realm, String token, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(realm.server().baseUrl() + "/realms/" + realm.name() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        HttpResponse<String> r = Oidc.exchange(HTTP, b.build());
        return new Oidc.Reply(r.statusCode(), Oidc.parse(r.body()), r.body());
    }

    private static String json(Object value) {
        try {
            return JsonSerialization.writeValueAsString(value);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
