package org.kcbastion.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A Shared Signals push receiver (RFC 8935) on a JDK HttpServer: records every Security Event Token Keycloak's
 * transmitter POSTs, with the Authorization header it came with. {@link #verify} checks a SET's RS256 signature against
 * the realm's JWKS, as a real receiver must.
 */
public final class SetReceiver implements AutoCloseable {

    /** A received SET: the compact JWS, its decoded header and claims, and the Authorization header of the POST. */
    public record Set(String jws, JsonNode header, JsonNode claims, String authorization, long receivedAtNanos) {

        /** The one event of the SET: its type URI. */
        public String eventType() {
            return claims.path("events").fieldNames().next();
        }

        public JsonNode event() {
            return claims.path("events").path(eventType());
        }

        /** {@code sub_id.user.sub} of a complex subject, or {@code sub_id.sub}. */
        public String userId() {
            JsonNode subject = claims.path("sub_id");
            return subject.has("user") ? subject.path("user").path("sub").asText() : subject.path("sub").asText();
        }

        /** {@code sub_id.session.id}, null when the subject names no session. */
        public String sessionId() {
            return claims.path("sub_id").path("session").path("id").asText(null);
        }

        public static Set parse(String jws, String authorization) {
            String[] parts = jws.split("\\.");
            try {
                JsonNode header = Oidc.JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
                return new Set(jws, header, Jwt.claims(jws), authorization, System.nanoTime());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static final String SESSION_REVOKED = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
    public static final String CREDENTIAL_CHANGE = "https://schemas.openid.net/secevent/caep/event-type/credential-change";

    private final HttpServer server;
    private final List<Set> received = new CopyOnWriteArrayList<>();

    public SetReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/push", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).strip();
            received.add(Set.parse(body, exchange.getRequestHeaders().getFirst("Authorization")));
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/push";
    }

    public List<Set> received() {
        return List.copyOf(received);
    }

    /** True when {@code set} carries a valid RS256 signature by a key of {@code jwksUri}. */
    public static boolean verify(Set set, String jwksUri) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(jwksUri))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            String kid = set.header().path("kid").asText();
            for (JsonNode key : Oidc.JSON.readTree(r.body()).path("keys")) {
                if (!kid.equals(key.path("kid").asText()) || !"RSA".equals(key.path("kty").asText())) continue;
                PublicKey publicKey = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                        new BigInteger(1, Base64.getUrlDecoder().decode(key.path("n").asText())),
                        new BigInteger(1, Base64.getUrlDecoder().decode(key.path("e").asText()))));
                String[] parts = set.jws().split("\\.");
                Signature rs256 = Signature.getInstance("SHA256withRSA");
                rs256.initVerify(publicKey);
                rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
                return rs256.verify(Base64.getUrlDecoder().decode(parts[2]));
            }
            return false;
        } catch (IOException | GeneralSecurityException e) {
            throw new AssertionError("could not verify a SET against " + jwksUri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
