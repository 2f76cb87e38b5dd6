package org.kcbastion.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** OIDC over plain HTTP against one realm, the way a relying party or a browser would call Keycloak. */
public final class Oidc {

    /** The harness's JSON reader. */
    static final ObjectMapper JSON = new ObjectMapper();

    /** Status and parsed JSON body (MissingNode when the body is not JSON). */
    public record Reply(int status, JsonNode json, String body) {
        public String text(String field) {
            return json.path(field).asText(null);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private final String realmUrl;
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    Oidc(String baseUrl, String realm) {
        this.realmUrl = baseUrl + "/realms/" + realm;
    }

    /** OIDC helpers for {@code realm} on any server (benchmarks use servers outside the IT lifecycle). */
    public static Oidc at(String baseUrl, String realm) {
        return new Oidc(baseUrl, realm);
    }

    public String tokenEndpoint() {
        return realmUrl + "/protocol/openid-connect/token";
    }

    public Reply passwordGrant(String clientId, String secret, String username, String password, String... extra) {
        Map<String, String> form = form("grant_type", "password", "username", username, "password", password,
                "scope", "openid");
        addPairs(form, extra);
        return postForm(tokenEndpoint(), clientId, secret, form);
    }

    /** A password grant that asks for an offline token ({@code scope=openid offline_access}). */
    public Reply offlineGrant(String clientId, String secret, String username, String password) {
        return passwordGrant(clientId, secret, username, password, "scope", "openid offline_access");
    }

    /** A client-credentials grant (a service account's token). */
    public Reply clientCredentials(String clientId, String secret, String... extra) {
        Map<String, String> form = form("grant_type", "client_credentials");
        addPairs(form, extra);
        return postForm(tokenEndpoint(), clientId, secret, form);
    }

    /** A token-exchange grant with the given extra parameters. */
    public Reply tokenExchange(String clientId, String secret, String... params) {
        Map<String, String> form = form("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange");
        addPairs(form, params);
        return postForm(tokenEndpoint(), clientId, secret, form);
    }

    /** A JWT authorization grant (RFC 7523): {@code assertion} is a JWT signed by an identity provider the realm trusts. */
    public Reply jwtAuthorizationGrant(String clientId, String secret, String assertion) {
        return postForm(tokenEndpoint(), clientId, secret,
                form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion", assertion));
    }

    /** The realm's issuer, as Keycloak names it in its discovery document. */
    public String issuer() {
        return send(HttpRequest.newBuilder(URI.create(realmUrl + "/.well-known/openid-configuration")).GET()).text("issuer");
    }

    public Reply refresh(String clientId, String secret, String refreshToken) {
        return postForm(tokenEndpoint(), clientId, secret,
                form("grant_type", "refresh_token", "refresh_token", refreshToken));
    }

    public Reply introspect(String clientId, String secret, String token) {
        return postForm(tokenEndpoint() + "/introspect", clientId, secret, form("token", token));
    }

    public Reply userinfo(String accessToken) {
        return send(HttpRequest.newBuilder(URI.create(realmUrl + "/protocol/openid-connect/userinfo"))
                .header("Authorization", "Bearer " + accessToken).GET());
    }

    /** RP-initiated logout through the back channel: {@code POST .../logout} with the refresh token. */
    public Reply logout(String clientId, String secret, String refreshToken) {
        return postForm(realmUrl + "/protocol/openid-connect/logout", clientId, secret, form("refresh_token", refreshToken));
    }

    public Reply exchangeCode(String clientId, String secret, String code, String redirectUri) {
        return postForm(tokenEndpoint(), clientId, secret,
                form("grant_type", "authorization_code", "code", code, "redirect_uri", redirectUri));
    }

    /** A fresh browser (its own cookie jar) for the authorization-code flow. */
    public Browser browser() {
        return new Browser();
    }

    private Reply postForm(String url, String clientId, String secret, Map<String, String> form) {
        form.put("client_id", clientId);
        if (secret != null) form.put("client_secret", secret);
        return send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(encode(form))));
    }

    private Reply send(HttpRequest.Builder request) {
        HttpResponse<String> r = exchange(http, request.timeout(Duration.ofSeconds(30)).build());
        return new Reply(r.statusCode(), parse(r.body()), r.body());
    }

    static HttpResponse<String> exchange(HttpClient http, HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? MissingNode.getInstance() : JSON.readTree(body);
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    static Map<String, String> form(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        addPairs(m, pairs);
        return m;
    }

    private static void addPairs(Map<String, String> m, String... pairs) {
        for (int i = 0; i + 1 < pairs.length; i += 2) m.put(pairs[i], pairs[i + 1]);
    }

    static String encode(Map<String, String> form) {
        return form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    /**
     * A minimal browser: keeps cookies (by name; one host), follows Keycloak's redirects, fills forms parsed with
     * jsoup. Cookie attributes are ignored on purpose: Keycloak marks cookies Secure even on http://127.0.0.1.
     */
    public final class Browser {
        private final Map<String, String> cookies = new LinkedHashMap<>();
        private HttpResponse<String> last;
        private java.util.function.UnaryOperator<String> otpCodes = Totp::now;

        /** Which OTP code to type: {@link Totp#now} by default; {@link Totp#next} after the current one was used. */
        public Browser otpCodes(java.util.function.UnaryOperator<String> codes) {
            this.otpCodes = codes;
            return this;
        }

        /**
         * Runs the authorization-code flow up to the redirect to {@code redirectUri}; answers the login form, and the
         * OTP form when {@code otpSecret} is given. Returns the code, or empty if Keycloak did not redirect back.
         */
        public Optional<String> authorize(String clientId, String redirectUri, String username, String password,
                                          String otpSecret, String... extraParams) {
            open(clientId, redirectUri, extraParams);
            for (int step = 0; step < 5; step++) {
                Optional<String> code = codeFrom(redirectUri);
                if (code.isPresent()) return code;
                Document page = page();
                Element form = page.selectFirst("form#kc-form-login, form#kc-otp-login-form, form[method=post]");
                if (form == null) return Optional.empty();
                Map<String, String> fields = new LinkedHashMap<>();
                for (Element input : form.select("input[name]")) {
                    fields.put(input.attr("name"), input.attr("value"));
                }
                if (form.selectFirst("input[name=password]") != null) {
                    if (form.selectFirst("input[name=username]") != null) fields.put("username", username);
                    fields.put("password", password);
                } else if (form.selectFirst("input[name=otp]") != null && otpSecret != null) {
                    fields.put("otp", otpCodes.apply(otpSecret));
                } else {
                    return Optional.empty();
                }
                post(form.absUrl("action").isEmpty() ? form.attr("action") : form.absUrl("action"), fields);
            }
            return Optional.empty();
        }

        /** Starts the authorization-code flow: the browser is then on the login page. */
        public void open(String clientId, String redirectUri, String... extraParams) {
            Map<String, String> q = form("client_id", clientId, "redirect_uri", redirectUri, "response_type", "code",
                    "scope", "openid", "state", "it-state", "nonce", "it-nonce");
            addPairs(q, extraParams);
            get(realmUrl + "/protocol/openid-connect/auth?" + encode(q));
        }

        /** Fills the page's form (hidden fields kept, {@code fields} added) and submits it. */
        public void submit(String... fields) {
            Element form = page().selectFirst("form[method=post]");
            if (form == null) throw new AssertionError("no form on the page: " + page().text());
            Map<String, String> values = new LinkedHashMap<>();
            for (Element input : form.select("input[name]")) values.put(input.attr("name"), input.attr("value"));
            addPairs(values, fields);
            post(form.absUrl("action").isEmpty() ? form.attr("action") : form.absUrl("action"), values);
        }

        /** The authorization code, if the last response redirected to {@code redirectUri}. */
        public Optional<String> code(String redirectUri) {
            return codeFrom(redirectUri);
        }

        /** Where the last response redirected to outside Keycloak (e.g. the client with an implicit-flow fragment). */
        public Optional<String> location() {
            return last.statusCode() / 100 == 3 ? last.headers().firstValue("Location") : Optional.empty();
        }

        /** The page the browser is on (after following redirects inside Keycloak). */
        public Document page() {
            return Jsoup.parse(last.body(), last.uri().toString());
        }

        public int status() {
            return last.statusCode();
        }

        public Map<String, String> cookies() {
            return Map.copyOf(cookies);
        }

        /** Takes the cookies a response set (e.g. the SSO cookies Keycloak sets for an impersonation session). */
        public Browser cookiesFrom(HttpResponse<?> response) {
            for (String c : response.headers().allValues("Set-Cookie")) {
                String pair = c.split(";", 2)[0];
                int eq = pair.indexOf('=');
                if (eq > 0) cookies.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
            return this;
        }

        public HttpResponse<String> get(String url) {
            return follow(HttpRequest.newBuilder(URI.create(url)).GET());
        }

        public HttpResponse<String> post(String url, Map<String, String> fields) {
            return follow(HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(encode(fields))));
        }

        private Optional<String> codeFrom(String redirectUri) {
            Optional<String> location = last.headers().firstValue("Location");
            if (last.statusCode() / 100 == 3 && location.isPresent() && location.get().startsWith(redirectUri)) {
                String query = URI.create(location.get()).getRawQuery();
                if (query == null) return Optional.empty();
                for (String pair : query.split("&")) {
                    if (pair.startsWith("code=")) {
                        return Optional.of(java.net.URLDecoder.decode(pair.substring(5), StandardCharsets.UTF_8));
                    }
                }
            }
            return Optional.empty();
        }

        /** Sends, then follows redirects that stay inside Keycloak; stops at a redirect to the client. */
        private HttpResponse<String> follow(HttpRequest.Builder request) {
            HttpResponse<String> r = sendWithCookies(request);
            for (int hops = 0; hops < 10 && r.statusCode() / 100 == 3; hops++) {
                String location = r.headers().firstValue("Location").orElse("");
                URI next = r.uri().resolve(location);
                if (!next.toString().startsWith(realmUrl)) break;
                r = sendWithCookies(HttpRequest.newBuilder(next).GET());
            }
            last = r;
            return r;
        }

        private HttpResponse<String> sendWithCookies(HttpRequest.Builder request) {
            if (!cookies.isEmpty()) {
                request.header("Cookie", cookies.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; ")));
            }
            HttpResponse<String> r = exchange(http, request.timeout(Duration.ofSeconds(30)).build());
            List<String> setCookies = r.headers().allValues("Set-Cookie");
            for (String c : setCookies) {
                String pair = c.split(";", 2)[0];
                int eq = pair.indexOf('=');
                if (eq <= 0) continue;
                String name = pair.substring(0, eq).trim();
                String value = pair.substring(eq + 1).trim();
                boolean expired = c.toLowerCase(java.util.Locale.ROOT).contains("max-age=0") || value.isEmpty();
                if (expired) cookies.remove(name);
                else cookies.put(name, value);
            }
            return r;
        }
    }
}
