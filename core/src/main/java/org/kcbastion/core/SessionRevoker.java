package org.kcbastion.core;

import org.apache.http.NameValuePair;
import org.apache.http.client.entity.UrlEncodedFormEntity;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.message.BasicNameValuePair;
import org.apache.http.util.EntityUtils;
import org.jboss.logging.Logger;
import org.keycloak.OAuth2Constants;
import org.keycloak.constants.AdapterConstants;
import org.keycloak.common.util.Time;
import org.keycloak.connections.httpclient.HttpClientProvider;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.representations.LogoutToken;
import org.keycloak.services.managers.ResourceAdminManager;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Full revocation of a user's sessions, the one implementation behind every trigger (admin credential changes,
 * Bastion's revoke-sessions call).
 * <p>
 * In the caller's transaction, so it commits or rolls back with the change that caused it: the user's
 * {@code notBefore} is set and every online and offline session is removed. Logout tokens are signed then too, while
 * the sessions still exist. After the commit, on Bastion's executor: the back-channel logout POSTs, the audit line, the
 * metrics and the alert email. A failure there is logged and audited and never undoes the revocation.
 */
public final class SessionRevoker {

    private static final Logger LOG = Logger.getLogger(SessionRevoker.class);
    /** Back-channel deliveries run in at most this many parallel batches. */
    private static final int DELIVERY_BATCHES = 4;

    /** Why and by whom. {@code change} is a message key of the alert email (e.g. {@code bastionChangePasswordReset}). */
    public record Request(String trigger, String change, String adminUsername, String adminIp, boolean sendAlert) {
    }

    /** What was revoked in the transaction; back-channel results arrive later in the audit log. */
    public record Result(int online, int offline, int logoutTokens) {
        public int sessions() {
            return online + offline;
        }
    }

    private record Delivery(String clientId, String url, String token, String sessionDigest) {
    }

    private SessionRevoker() {
    }

    public static Result revokeAll(KeycloakSession session, RealmModel realm, UserModel user, Request request) {
        session.users().setNotBeforeForUser(realm, user, Time.currentTime());

        List<UserSessionModel> online = session.sessions().getUserSessionsStream(realm, user).toList();
        List<UserSessionModel> offline = session.sessions().getOfflineUserSessionsStream(realm, user).toList();
        Digests digests = BastionKeys.digests(session);

        Map<String, Delivery> deliveries = new LinkedHashMap<>();
        List<String> unsigned = new ArrayList<>();
        Stream.concat(online.stream(), offline.stream()).forEach(us -> {
            String sessionDigest = digests.hmac(us.getId());
            for (AuthenticatedClientSessionModel cs : us.getAuthenticatedClientSessions().values()) {
                ClientModel client = cs.getClient();
                if (client == null) continue;
                String key = client.getId() + ' ' + us.getId();
                if (deliveries.containsKey(key)) continue;
                String url = backchannelUrl(session, client, cs);
                if (url == null) continue;
                try {
                    deliveries.put(key, new Delivery(client.getClientId(), url, logoutToken(session, client, user, cs),
                            sessionDigest));
                } catch (RuntimeException e) {
                    LOG.warnf("Bastion could not sign a logout token for client %s: %s", client.getClientId(), e.toString());
                    unsigned.add(client.getClientId());
                }
            }
        });
        List<String> sessionDigests = Stream.concat(online.stream(), offline.stream())
                .map(UserSessionModel::getId).distinct().map(digests::hmac).toList();

        for (UserSessionModel us : offline) session.sessions().removeOfflineUserSession(realm, us);
        for (UserSessionModel us : online) session.sessions().removeUserSession(realm, us);

        Result result = new Result(online.size(), offline.size(), deliveries.size());
        Facts facts = new Facts(realm.getId(), realm.getName(), user.getId(), request, result, Time.currentTime(),
                sessionDigests, List.copyOf(deliveries.values()), unsigned);
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        ExecutorService executor = AfterCommit.executor(session);
        AfterCommit.run(session, () -> afterCommit(factory, executor, facts));
        return result;
    }

    private record Facts(String realmId, String realmName, String userId, Request request, Result result, long time,
                         List<String> sessionDigests, List<Delivery> deliveries, List<String> unsigned) {
    }

    private static void afterCommit(KeycloakSessionFactory factory, ExecutorService executor, Facts facts) {
        BastionMetrics.sessionsRevoked(facts.request.trigger(), "online", facts.result.online());
        BastionMetrics.sessionsRevoked(facts.request.trigger(), "offline", facts.result.offline());
        if (facts.request.sendAlert()) {
            SecurityMail.credentialChanged(factory, facts.realmId, facts.userId, new SecurityMail.Alert(
                    facts.request.change(), facts.request.adminUsername(), facts.request.adminIp(),
                    facts.result.sessions(), facts.time));
        }
        List<List<Delivery>> batches = partition(facts.deliveries, DELIVERY_BATCHES);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger(facts.unsigned.size());
        // The last batch to finish writes the audit line: nobody blocks a pool thread waiting for the others.
        AtomicInteger pending = new AtomicInteger(batches.size());
        Runnable finish = () -> SecurityAudit.record("sessions_revoked", facts.realmName, auditDetails(facts, ok.get(), failed.get()));
        if (batches.isEmpty()) {
            finish.run();
            return;
        }
        List<Runnable> tasks = batches.stream().<Runnable>map(batch -> () -> {
            try {
                deliver(factory, facts.realmName, batch, ok, failed);
            } finally {
                if (pending.decrementAndGet() == 0) finish.run();
            }
        }).toList();
        tasks.subList(1, tasks.size()).forEach(executor::execute);
        tasks.get(0).run();
    }

    private static Map<String, Object> auditDetails(Facts facts, int ok, int failed) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("trigger", facts.request.trigger());
        d.put("admin", facts.request.adminUsername());
        d.put("admin_ip", facts.request.adminIp());
        d.put("user_id", facts.userId);
        d.put("online", facts.result.online());
        d.put("offline", facts.result.offline());
        d.put("backchannel_ok", ok);
        d.put("backchannel_failed", failed);
        d.put("sessions", facts.sessionDigests);
        return d;
    }

    private static void deliver(KeycloakSessionFactory factory, String realmName, List<Delivery> batch,
                                AtomicInteger ok, AtomicInteger failed) {
        try (KeycloakSession s = factory.create()) {
            CloseableHttpClient http = s.getProvider(HttpClientProvider.class).getHttpClient();
            for (Delivery d : batch) {
                String outcome;
                try {
                    HttpPost post = new HttpPost(d.url);
                    List<NameValuePair> form = List.of(new BasicNameValuePair(OAuth2Constants.LOGOUT_TOKEN, d.token));
                    post.setEntity(new UrlEncodedFormEntity(form, StandardCharsets.UTF_8));
                    try (CloseableHttpResponse response = http.execute(post)) {
                        EntityUtils.consumeQuietly(response.getEntity());
                        int status = response.getStatusLine().getStatusCode();
                        if (status == 200 || status == 204) {
                            ok.incrementAndGet();
                            continue;
                        }
                        outcome = "HTTP " + status;
                    }
                } catch (IOException | RuntimeException e) {
                    outcome = e.getClass().getSimpleName();
                }
                failed.incrementAndGet();
                LOG.warnf("Bastion back-channel logout to client %s failed: %s", d.clientId, outcome);
                SecurityAudit.record("backchannel_failed", realmName,
                        Map.of("client_id", d.clientId, "session", d.sessionDigest, "outcome", outcome));
            }
        }
    }

    private static String backchannelUrl(KeycloakSession session, ClientModel client, AuthenticatedClientSessionModel cs) {
        if (!OIDCLoginProtocol.LOGIN_PROTOCOL.equals(client.getProtocol())) return null;
        String url = ResourceAdminManager.getBackchannelLogoutUrl(session, client);
        if (url == null || url.isBlank()) return null;
        if (url.contains(ResourceAdminManager.CLIENT_SESSION_HOST_PROPERTY)) {
            String host = cs.getNote(AdapterConstants.CLIENT_SESSION_HOST);
            return host == null || host.isBlank() ? null : url.replace(ResourceAdminManager.CLIENT_SESSION_HOST_PROPERTY, host);
        }
        return url;
    }

    /** Signed the way Keycloak signs its own logout tokens: with the client in the context for its algorithm. */
    private static String logoutToken(KeycloakSession session, ClientModel client, UserModel user,
                                      AuthenticatedClientSessionModel cs) {
        ClientModel previous = session.getContext().getClient();
        session.getContext().setClient(client);
        try {
            LogoutToken token = session.tokens().initLogoutToken(client, user, cs);
            return session.tokens().encode(token);
        } finally {
            session.getContext().setClient(previous);
        }
    }

    static <T> List<List<T>> partition(List<T> items, int parts) {
        List<List<T>> out = new ArrayList<>();
        if (items.isEmpty()) return out;
        int size = (items.size() + parts - 1) / parts;
        for (int i = 0; i < items.size(); i += size) {
            out.add(items.subList(i, Math.min(items.size(), i + size)));
        }
        return out;
    }
}
