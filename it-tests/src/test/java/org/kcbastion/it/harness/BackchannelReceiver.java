package org.kcbastion.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A relying party's OIDC back-channel logout endpoint (JDK HttpServer). Records every logout token it receives.
 * {@link #setMode} makes it fail (HTTP 500) or hang, for fault tests.
 */
public final class BackchannelReceiver implements AutoCloseable {

    public enum Mode { OK, FAIL, HANG }

    /** A decoded logout token (the receiver does not verify signatures; Keycloak signed it). */
    public record LogoutToken(String sid, String sub, JsonNode claims, long receivedAtNanos) {
    }

    private final HttpServer server;
    private final List<LogoutToken> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Mode mode = Mode.OK;

    BackchannelReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/backchannel-logout", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            for (String pair : body.split("&")) {
                if (pair.startsWith("logout_token=")) {
                    String jwt = URLDecoder.decode(pair.substring("logout_token=".length()), StandardCharsets.UTF_8);
                    JsonNode claims = Jwt.claims(jwt);
                    received.add(new LogoutToken(claims.path("sid").asText(null), claims.path("sub").asText(null), claims,
                            System.nanoTime()));
                }
            }
            if (mode == Mode.HANG) {
                try {
                    // A receiver that does not answer: Keycloak's HTTP client must give up on its own.
                    released.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(mode == Mode.FAIL ? 500 : 200, -1);
            exchange.close();
        });
        server.start();
    }

    /** The URL to put in a client's {@code backchannel.logout.url} attribute. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/backchannel-logout";
    }

    public List<LogoutToken> received() {
        return List.copyOf(received);
    }

    public void setMode(Mode mode) {
        this.mode = mode;
    }

    public void clear() {
        received.clear();
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
    }
}
