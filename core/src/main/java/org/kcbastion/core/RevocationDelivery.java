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
import org.keycloak.common.util.SecretGenerator;
import org.keycloak.common.util.Time;
import org.keycloak.connections.httpclient.HttpClientProvider;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.representations.LogoutToken;
import org.keycloak.util.JsonSerialization;
import org.keycloak.util.TokenUtil;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What follows a {@link SessionRevoker} revocation once the admin's transaction committed, on Bastion's executor:
 * signing and POSTing the back-channel logout tokens, the alert email, removing the sessions left for after the
 * commit, then the audit line and the metrics. A failure here is logged, counted and audited, and never undoes the
 * revocation.
 */
final class RevocationDelivery {

    private static final Logger LOG = Logger.getLogger(RevocationDelivery.class);
    /** Back-channel deliveries run in at most this many parallel batches. */
    private static final int DELIVERY_BATCHES = 4;
    /** The expiry Keycloak gives its own logout tokens (the spec recommends at most two minutes). */
    private static final int LOGOUT_TOKEN_SECONDS = 120;
    /** Deferred removals per transaction. */
    private static final int REMOVAL_BATCH = 100;

    /**
     * One back-channel logout to send after commit. The token is signed then, from these facts, unless the client
     * has a pairwise-subject mapper: such tokens need the session, so they are signed in the transaction.
     */
    record Delivery(String clientUuid, String clientId, String url, String issuer, String sid,
                            boolean sessionRequired, boolean revokeOffline, String presigned, String sessionDigest) {
    }

    record Facts(String realmId, String realmName, String userId, SessionRevoker.Request request,
                 SessionRevoker.Result result, long time, List<String> sessionIds, List<String> sessionDigests, List<Delivery> deliveries,
                 List<String> unsigned, List<Deferred> deferred) {
    }

    /** A session whose removal follows right after the commit. */
    record Deferred(String id, boolean offline) {
    }

    private RevocationDelivery() {
    }

    static void afterCommit(KeycloakSessionFactory factory, ExecutorService executor, Facts facts) {
        BastionMetrics.sessionsRevoked(facts.realmName, facts.request.trigger(), "online", facts.result.online());
        BastionMetrics.sessionsRevoked(facts.realmName, facts.request.trigger(), "offline", facts.result.offline());
        BastionMetrics.backchannelFailed(facts.realmName, facts.unsigned.size());
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger(facts.unsigned.size());
        AtomicInteger setsQueued = new AtomicInteger();
        List<Runnable> work = new ArrayList<>();
        // First, on this thread: writing the transmitter's outbox rows takes milliseconds and never waits on a receiver.
        work.add(() -> queueSharedSignals(factory, facts, setsQueued));
        // The first task runs on this thread, the others go to the executor in this order.
        partition(facts.deliveries, DELIVERY_BATCHES)
                .forEach(batch -> work.add(() -> deliver(factory, facts.realmId, facts.realmName, facts.userId, batch, ok, failed)));
        if (facts.request.sendAlert()) {
            work.add(() -> SecurityMail.credentialChanged(factory, facts.realmId, facts.userId, new SecurityMail.Alert(
                    facts.request.change(), facts.request.adminUsername(), facts.request.adminIp(),
                    facts.result.sessions(), facts.time)));
        }
        // Removals last: their tokens already fail, while the apps are still waiting to hear about the logout.
        partition(facts.deferred, Math.max(1, (facts.deferred.size() + REMOVAL_BATCH - 1) / REMOVAL_BATCH))
                .forEach(batch -> work.add(() -> removeDeferred(factory, facts.realmId, batch)));

        // The last task to finish writes the audit line: no pool thread blocks waiting for the others.
        AtomicInteger pending = new AtomicInteger(work.size());
        Runnable finish = () -> SecurityAudit.record("sessions_revoked", facts.realmName,
                auditDetails(facts, ok.get(), failed.get(), setsQueued.get()));
        if (work.isEmpty()) {
            finish.run();
            return;
        }
        List<Runnable> tasks = work.stream().<Runnable>map(task -> () -> {
            try {
                task.run();
            } finally {
                if (pending.decrementAndGet() == 0) finish.run();
            }
        }).toList();
        tasks.subList(1, tasks.size()).forEach(executor::execute);
        tasks.get(0).run();
    }

    private static void removeDeferred(KeycloakSessionFactory factory, String realmId, List<Deferred> batch) {
        RealmJobs.inRealm(factory, realmId, (s, realm) -> {
            for (Deferred d : batch) {
                UserSessionModel us = d.offline ? s.sessions().getOfflineUserSession(realm, d.id)
                        : s.sessions().getUserSession(realm, d.id);
                if (us == null) continue;
                if (d.offline) s.sessions().removeOfflineUserSession(realm, us);
                else s.sessions().removeUserSession(realm, us);
            }
        });
    }

    private static void queueSharedSignals(KeycloakSessionFactory factory, Facts facts, AtomicInteger queued) {
        SharedSignals.Revocation revocation = new SharedSignals.Revocation(facts.userId, facts.sessionIds,
                facts.request.trigger(), facts.request.credentialTypes());
        try {
            RealmJobs.inRealm(factory, facts.realmId, (s, realm) -> queued.set(SharedSignals.queue(s, realm, revocation).total()));
        } catch (RuntimeException e) {
            // The revocation stands; the receivers hear of it when their tokens fail.
            queued.set(0);
            BastionMetrics.ssfFailed(facts.realmName);
            LOG.warnf(e, "Bastion could not queue Shared Signals events for a revocation in realm %s", facts.realmName);
            SecurityAudit.record("ssf_failed", facts.realmName, Map.of("user_id", facts.userId, "outcome", e.getClass().getSimpleName()));
        }
    }

    private static Map<String, Object> auditDetails(Facts facts, int ok, int failed, int setsQueued) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("trigger", facts.request.trigger());
        d.put("admin", facts.request.adminUsername());
        d.put("admin_ip", facts.request.adminIp());
        d.put("user_id", facts.userId);
        d.put("online", facts.result.online());
        d.put("offline", facts.result.offline());
        d.put("removed_after_commit", facts.deferred.size());
        d.put("backchannel_ok", ok);
        d.put("backchannel_failed", failed);
        d.put("sets_queued", setsQueued);
        d.put("sessions", facts.sessionDigests);
        return d;
    }

    private static void deliver(KeycloakSessionFactory factory, String realmId, String realmName, String userId,
                                List<Delivery> batch, AtomicInteger ok, AtomicInteger failed) {
        RealmJobs.inRealm(factory, realmId, (s, realm) -> {
            CloseableHttpClient http = s.getProvider(HttpClientProvider.class).getHttpClient();
            for (Delivery d : batch) {
                String outcome;
                try {
                    HttpPost post = new HttpPost(d.url);
                    String token = d.presigned != null ? d.presigned : sign(s, realm, userId, d);
                    List<NameValuePair> form = List.of(new BasicNameValuePair(OAuth2Constants.LOGOUT_TOKEN, token));
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
                BastionMetrics.backchannelFailed(realmName, 1);
                LOG.warnf("Bastion back-channel logout to client %s failed: %s", d.clientId, outcome);
                SecurityAudit.record("backchannel_failed", realmName,
                        Map.of("client_id", d.clientId, "session", d.sessionDigest, "outcome", outcome));
            }
        });
    }

    /** The logout token Keycloak's {@code initLogoutToken} builds, from facts captured before the sessions went away. */
    private static String sign(KeycloakSession s, RealmModel realm, String userId, Delivery d) {
        ClientModel client = realm.getClientById(d.clientUuid);
        if (client == null) throw new IllegalStateException("client removed");
        LogoutToken token = new LogoutToken();
        token.id(SecretGenerator.getInstance().generateSecureID());
        token.issuedNow();
        token.exp((long) Time.currentTime() + LOGOUT_TOKEN_SECONDS);
        token.issuer(d.issuer);
        token.putEvents(TokenUtil.TOKEN_BACKCHANNEL_LOGOUT_EVENT, JsonSerialization.createObjectNode());
        if (d.revokeOffline) token.putEvents(TokenUtil.TOKEN_BACKCHANNEL_LOGOUT_EVENT_REVOKE_OFFLINE_TOKENS, true);
        token.addAudience(client.getClientId());
        if (d.sessionRequired) token.setSid(d.sid);
        token.setSubject(userId);
        s.getContext().setClient(client);
        return s.tokens().encode(token);
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
