package org.kcbastion.it.harness;

import jakarta.ws.rs.core.Response;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.ProtocolMapperRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One realm per IT class, with a real SMTP server wired in, events stored, and helpers for users, clients, OIDC and
 * Bastion's admin REST API. Removed (with its mail server and back-channel receiver) after the class.
 */
public final class TestRealm implements AutoCloseable {

    public static final String USER_PASSWORD = "Correct-Horse-42";

    /** A user created by {@link #createUser}; {@code otpSecret} is null when the user has no OTP. */
    public record User(String id, String username, String email, String password, String otpSecret) {
    }

    /** A confidential client created by {@link #createClient}. */
    public record Client(String uuid, String clientId, String secret, String redirectUri) {
    }

    private final KeycloakServer server;
    private final String name;
    private final MailServer mail;
    private final BackchannelReceiver backchannel;
    private final Oidc oidc;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Keycloak automation;

    private TestRealm(KeycloakServer server, String name, MailServer mail, BackchannelReceiver backchannel) {
        this.server = server;
        this.name = name;
        this.mail = mail;
        this.backchannel = backchannel;
        this.oidc = new Oidc(server.baseUrl(), name);
    }

    /** A realm on {@code server} outside the {@link BastionKeycloak} lifecycle (e.g. on a cluster node); close it yourself. */
    public static TestRealm createOn(KeycloakServer server, String name) {
        return create(server, name);
    }

    /** A realm that already exists on {@code server} (imported, say), with a mail server and receiver of its own. */
    public static TestRealm existingOn(KeycloakServer server, String name) {
        return new TestRealm(server, name, new MailServer(), new BackchannelReceiver());
    }

    static TestRealm create(KeycloakServer server, String name) {
        MailServer mail = new MailServer();
        BackchannelReceiver backchannel = new BackchannelReceiver();
        RealmRepresentation rep = new RealmRepresentation();
        rep.setRealm(name);
        rep.setEnabled(true);
        rep.setSmtpServer(new HashMap<>(mail.realmSmtpConfig()));
        rep.setEventsEnabled(true);
        rep.setAdminEventsEnabled(true);
        rep.setAdminEventsDetailsEnabled(true);
        // A leftover from an aborted run would make create() fail with 409.
        server.admin().realms().findAll().stream()
                .filter(r -> r.getRealm().equals(name))
                .forEach(r -> server.admin().realm(name).remove());
        server.admin().realms().create(rep);
        return new TestRealm(server, name, mail, backchannel);
    }

    public String name() {
        return name;
    }

    public KeycloakServer server() {
        return server;
    }

    public RealmResource admin() {
        return server.admin().realm(name);
    }

    /** OIDC helpers for this realm on another node of the same cluster. */
    public Oidc oidcAt(KeycloakServer node, String realmName) {
        return new Oidc(node.baseUrl(), realmName);
    }

    /** Shifts the clock of another node too (the test clock is per JVM). */
    public void setClockOffsetOn(KeycloakServer node, long offsetSeconds) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.baseUrl() + "/admin/realms/" + name
                        + "/bastion-test-clock/offset?offset=" + offsetSeconds))
                .header("Authorization", "Bearer " + node.admin().tokenManager().getAccessTokenString())
                .PUT(HttpRequest.BodyPublishers.noBody()).build();
        var r = Oidc.exchange(http, request);
        if (r.statusCode() != 200) throw new AssertionError("could not shift the clock of " + node.baseUrl() + ": " + r.body());
        node.admin().tokenManager().grantToken();
    }

    /** OIDC helpers for another realm of the same server (e.g. master, where cross-realm admins sign in). */
    public Oidc oidcOf(String realmName) {
        return new Oidc(server.baseUrl(), realmName);
    }

    public Oidc oidc() {
        return oidc;
    }

    public MailServer mail() {
        return mail;
    }

    public BackchannelReceiver backchannel() {
        return backchannel;
    }

    /** Sets realm attributes (e.g. Bastion policy keys); a null value removes the attribute. */
    public void setAttributes(Map<String, String> attributes) {
        RealmResource realm = automation().realm(name);
        RealmRepresentation rep = realm.toRepresentation();
        rep.setAttributes(merged(rep.getAttributes(), attributes));
        realm.update(rep);
    }

    /** Sets a client's attributes through the admin API (validated as any admin write is); a null value removes one. */
    public void setClientAttributes(String clientUuid, Map<String, String> attributes) {
        ClientRepresentation rep = admin().clients().get(clientUuid).toRepresentation();
        rep.setAttributes(merged(rep.getAttributes(), attributes));
        admin().clients().get(clientUuid).update(rep);
    }

    /** {@code existing} with {@code changes} applied; a null value removes the attribute. */
    private static Map<String, String> merged(Map<String, String> existing, Map<String, String> changes) {
        Map<String, String> merged = new HashMap<>(existing == null ? Map.of() : existing);
        changes.forEach((k, v) -> {
            if (v == null) merged.remove(k);
            else merged.put(k, v);
        });
        return merged;
    }

    /**
     * Writes realm attributes straight into the model (test-only provider), past Bastion's validation, as a direct
     * database edit or an older export would: for values that every admin write path refuses. Null removes.
     */
    public void setRawAttributes(Map<String, String> attributes) {
        rawWrite("bastion-test-raw/attributes", attributes);
    }

    /** {@link #setRawAttributes} for a client's attributes. */
    public void setRawClientAttributes(String clientUuid, Map<String, String> attributes) {
        rawWrite("bastion-test-raw/clients/" + clientUuid + "/attributes", attributes);
    }

    /** {@link #setRawAttributes} for a role's attributes, through Keycloak's Java API as another extension would. */
    public void setRawRoleAttributes(String roleId, Map<String, String> attributes) {
        rawWrite("bastion-test-raw/roles/" + roleId + "/attributes", attributes);
    }

    private void rawWrite(String path, Map<String, String> attributes) {
        String body;
        try {
            body = org.keycloak.util.JsonSerialization.writeValueAsString(attributes);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        Oidc.Reply reply = adminCall("PUT", path, body);
        if (reply.status() != 204) throw new AssertionError("raw attribute write failed: " + reply);
    }

    /**
     * This realm as the harness's service account sees it ({@link PolicyAutomation}): a realm update that changes
     * Bastion's policy passes the guard without a step-up. The bootstrap admin ({@link #admin()}) would need one.
     */
    public RealmResource asAutomation() {
        return automation().realm(name);
    }

    private Keycloak automation() {
        if (automation == null) automation = PolicyAutomation.on(server);
        // A fresh token each time: tests shift Keycloak's clock, which makes a cached one look expired or not yet valid.
        automation.tokenManager().grantToken();
        return automation;
    }

    /** A user with a password, an email address and, when {@code withOtp}, an OTP credential. */
    public User createUser(String username, boolean withOtp) {
        return createUserIn(admin(), username, withOtp);
    }

    /** Grants roles of this realm's {@code realm-management} client (in-realm admin roles). */
    public void grantRealmManagement(String userId, String... roles) {
        String rm = admin().clients().findByClientId("realm-management").get(0).getId();
        List<org.keycloak.representations.idm.RoleRepresentation> reps = new ArrayList<>();
        for (String role : roles) reps.add(admin().clients().get(rm).roles().get(role).toRepresentation());
        admin().users().get(userId).roles().clientLevel(rm).add(reps);
    }

    /** Builds and binds the browser flow with {@code bastion-step-up} last (see {@link Flows#browserStepUp}). */
    public void bindBrowserStepUpFlow() {
        boolean exists = admin().flows().getFlows().stream().anyMatch(f -> f.getAlias().equals("bastion-browser-step-up"));
        if (!exists) Flows.browserStepUp(admin(), "bastion-browser-step-up");
        RealmRepresentation rep = admin().toRepresentation();
        rep.setBrowserFlow("bastion-browser-step-up");
        admin().update(rep);
    }

    /** {@link #createUser} in any realm, e.g. an admin in master. */
    public static User createUserIn(RealmResource realm, String username, boolean withOtp) {
        UserRepresentation u = new UserRepresentation();
        u.setUsername(username);
        u.setEmail(username + "@bastion.test");
        u.setFirstName(username);
        u.setLastName("Tester");
        u.setEmailVerified(true);
        u.setEnabled(true);
        List<CredentialRepresentation> credentials = new ArrayList<>();
        credentials.add(password(USER_PASSWORD, false));
        String otpSecret = null;
        if (withOtp) {
            otpSecret = UUID.randomUUID().toString().replace("-", "").substring(0, 20);
            CredentialRepresentation otp = new CredentialRepresentation();
            otp.setType(CredentialRepresentation.TOTP);
            otp.setUserLabel("it-authenticator");
            otp.setSecretData("{\"value\":\"" + otpSecret + "\"}");
            otp.setCredentialData("{\"subType\":\"totp\",\"digits\":6,\"counter\":0,\"period\":30,\"algorithm\":\"HmacSHA1\"}");
            credentials.add(otp);
        }
        u.setCredentials(credentials);
        try (Response r = realm.users().create(u)) {
            return new User(CreatedResponseUtil.getCreatedId(r), username, u.getEmail(), USER_PASSWORD, otpSecret);
        }
    }

    /**
     * A confidential OIDC client with standard flow and direct grants, front-channel logout off and its back-channel
     * logout URL pointing at this realm's {@link BackchannelReceiver}, so it hears every revocation.
     */
    public Client createClient(String clientId) {
        String redirect = "http://127.0.0.1/it/" + clientId + "/callback";
        ClientRepresentation c = new ClientRepresentation();
        c.setClientId(clientId);
        c.setProtocol("openid-connect");
        c.setPublicClient(false);
        c.setSecret("secret-" + UUID.randomUUID());
        c.setStandardFlowEnabled(true);
        c.setDirectAccessGrantsEnabled(true);
        c.setRedirectUris(List.of(redirect));
        c.setFrontchannelLogout(false);
        Map<String, String> attributes = new HashMap<>();
        attributes.put("backchannel.logout.url", backchannel.url());
        attributes.put("backchannel.logout.session.required", "true");
        attributes.put("backchannel.logout.revoke.offline.tokens", "false");
        c.setAttributes(attributes);
        // Keycloak 26.7 introspects a token only for a client in its audience: let the app introspect its own tokens.
        ProtocolMapperRepresentation audience = new ProtocolMapperRepresentation();
        audience.setName("self-audience");
        audience.setProtocol("openid-connect");
        audience.setProtocolMapper("oidc-audience-mapper");
        audience.setConfig(Map.of("included.client.audience", clientId, "access.token.claim", "true",
                "introspection.token.claim", "true"));
        c.setProtocolMappers(List.of(audience));
        try (Response r = admin().clients().create(c)) {
            return new Client(CreatedResponseUtil.getCreatedId(r), clientId, c.getSecret(), redirect);
        }
    }

    /**
     * Shifts Keycloak's clock (test-only provider) to {@code offsetSeconds} from real time, then takes a fresh admin
     * token: the previous one may be expired in Keycloak's shifted view although it looks valid here.
     */
    public void setClockOffset(long offsetSeconds) {
        Oidc.Reply reply = adminCall("PUT", "bastion-test-clock/offset?offset=" + offsetSeconds, null);
        if (reply.status() != 200) throw new AssertionError("could not shift the clock: " + reply);
        server.admin().tokenManager().grantToken();
    }

    /** A password credential as an admin sets it. */
    public static CredentialRepresentation password(String value, boolean temporary) {
        CredentialRepresentation password = new CredentialRepresentation();
        password.setType(CredentialRepresentation.PASSWORD);
        password.setValue(value);
        password.setTemporary(temporary);
        return password;
    }

    /** A password nobody has used yet, as an admin's reset sets it. */
    public static CredentialRepresentation newPassword(boolean temporary) {
        return password("Brand-New-Pass-" + System.nanoTime(), temporary);
    }

    /** Keycloak's own SSO session limits of this realm (seconds), so that they are not what ends a session under test. */
    public void setSsoLifetimes(int maxLifespan, int idleTimeout) {
        RealmRepresentation rep = admin().toRepresentation();
        rep.setSsoSessionMaxLifespan(maxLifespan);
        rep.setSsoSessionIdleTimeout(idleTimeout);
        admin().update(rep);
    }

    /** Calls {@code /admin/realms/{realm}/<path>} with the bootstrap admin's token. */
    public Oidc.Reply adminCall(String method, String path, String jsonBody, String... headers) {
        return callAs(server.admin().tokenManager().getAccessTokenString(), method, path, jsonBody, headers);
    }

    /**
     * Keycloak's impersonation endpoint for {@code userId} on {@code node} (this realm's server or a cluster node), as
     * an admin tool calls it: the bearer token, and {@code X-Bastion-Reason} when {@code reason} is not null.
     */
    public HttpRequest impersonationRequest(KeycloakServer node, String token, String userId, String reason) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.baseUrl() + "/admin/realms/" + name + "/users/" + userId
                        + "/impersonation"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody());
        if (reason != null) b.header("X-Bastion-Reason", reason);
        return b.build();
    }

    /** Impersonates {@code userId} with {@code token} on this realm's server; the answer as Keycloak gave it. */
    public HttpResponse<String> impersonate(String token, String userId, String reason) {
        return Oidc.exchange(http, impersonationRequest(server, token, userId, reason));
    }

    /** Calls {@code /admin/realms/{realm}/<path>} with {@code token} (null: no Authorization header). */
    public Oidc.Reply callAs(String token, String method, String path, String jsonBody, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/admin/realms/" + name + "/" + path))
                .timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        if (jsonBody != null) {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        var r = Oidc.exchange(http, b.build());
        return new Oidc.Reply(r.statusCode(), Oidc.parse(r.body()), r.body());
    }

    @Override
    public void close() {
        try {
            admin().remove();
        } finally {
            mail.close();
            backchannel.close();
            if (automation != null) automation.close();
        }
    }
}
