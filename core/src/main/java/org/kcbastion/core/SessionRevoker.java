package org.kcbastion.core;

import org.jboss.logging.Logger;
import org.keycloak.constants.AdapterConstants;
import org.keycloak.common.util.Time;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.OIDCAdvancedConfigWrapper;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.representations.LogoutToken;
import org.keycloak.services.managers.ResourceAdminManager;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.stream.Stream;

/**
 * Full revocation of a user's sessions, the one implementation behind every trigger (admin credential changes,
 * Bastion's revoke-sessions call).
 * <p>
 * In the caller's transaction, so it commits or rolls back with the change that caused it: the user's
 * {@code notBefore} is set, every online and offline session is removed, and what the logout tokens need is captured
 * while the sessions still exist. What follows the commit (back-channel logout, alert email, the remaining removals,
 * audit line and metrics) is {@link RevocationDelivery}'s.
 */
public final class SessionRevoker {

    private static final Logger LOG = Logger.getLogger(SessionRevoker.class);
    /** Sessions removed inside the admin's transaction; the rest follow right after commit. */
    static final int IN_TRANSACTION_REMOVALS = 25;

    /**
     * Why and by whom. {@code change} is a message key of the alert email (e.g. {@code bastionChangePasswordReset});
     * {@code credentialTypes} the Keycloak credential types that changed, empty when none did.
     */
    public record Request(String trigger, String change, String adminUsername, String adminIp, boolean sendAlert,
                          List<String> credentialTypes) {
        public Request {
            credentialTypes = credentialTypes == null ? List.of() : List.copyOf(credentialTypes);
        }

        public Request(String trigger, String change, String adminUsername, String adminIp, boolean sendAlert) {
            this(trigger, change, adminUsername, adminIp, sendAlert, List.of());
        }
    }

    /** What was revoked in the transaction; back-channel results arrive later in the audit log. */
    public record Result(int online, int offline, int logoutTokens) {
        public int sessions() {
            return online + offline;
        }
    }


    private SessionRevoker() {
    }

    public static Result revokeAll(KeycloakSession session, RealmModel realm, UserModel user, Request request) {
        long t0 = System.nanoTime();
        session.users().setNotBeforeForUser(realm, user, Time.currentTime());

        List<UserSessionModel> online = session.sessions().getUserSessionsStream(realm, user).toList();
        List<UserSessionModel> offline = session.sessions().getOfflineUserSessionsStream(realm, user).toList();
        Digests digests = BastionKeys.digests(session);
        long t1 = System.nanoTime();

        Map<String, String> digestById = new LinkedHashMap<>();
        Stream.concat(online.stream(), offline.stream()).forEach(us -> digestById.computeIfAbsent(us.getId(), digests::hmac));
        Map<String, RevocationDelivery.Delivery> deliveries = new LinkedHashMap<>();
        List<String> unsigned = new ArrayList<>();
        Stream.concat(online.stream(), offline.stream()).forEach(us -> {
            String sessionDigest = digestById.get(us.getId());
            for (AuthenticatedClientSessionModel cs : us.getAuthenticatedClientSessions().values()) {
                ClientModel client = cs.getClient();
                if (client == null) continue;
                String key = client.getId() + ' ' + us.getId();
                if (deliveries.containsKey(key)) continue;
                String url = backchannelUrl(session, client, cs);
                if (url == null) continue;
                try {
                    OIDCAdvancedConfigWrapper config = OIDCAdvancedConfigWrapper.fromClientModel(client);
                    String presigned = hasPairwiseSubject(client) ? logoutToken(session, client, user, cs) : null;
                    deliveries.put(key, new RevocationDelivery.Delivery(client.getId(), client.getClientId(), url,
                            cs.getNote(OIDCLoginProtocol.ISSUER), us.getId(), config.isBackchannelLogoutSessionRequired(),
                            config.getBackchannelLogoutRevokeOfflineTokens(), presigned, sessionDigest));
                } catch (RuntimeException e) {
                    LOG.warnf("Bastion could not prepare a logout token for client %s: %s", client.getClientId(), e.toString());
                    unsigned.add(client.getClientId());
                }
            }
        });
        List<String> sessionDigests = List.copyOf(digestById.values());

        long t2 = System.nanoTime();
        // Removing a persistent session costs Keycloak a few ms at commit. The most recently used sessions go in this
        // transaction; the rest right after commit, in batches. notBefore already makes every token issued before
        // this second fail, so the deferred rows are dead either way; only their removal waits.
        List<UserSessionModel> byRecentUse = Stream.concat(online.stream(), offline.stream())
                .sorted(Comparator.comparingInt(UserSessionModel::getLastSessionRefresh).reversed())
                .toList();
        List<UserSessionModel> now = byRecentUse.subList(0, Math.min(IN_TRANSACTION_REMOVALS, byRecentUse.size()));
        for (UserSessionModel us : now) {
            if (us.isOffline()) session.sessions().removeOfflineUserSession(realm, us);
            else session.sessions().removeUserSession(realm, us);
        }
        List<RevocationDelivery.Deferred> deferred = byRecentUse.subList(now.size(), byRecentUse.size()).stream()
                .map(us -> new RevocationDelivery.Deferred(us.getId(), us.isOffline())).toList();
        long t3 = System.nanoTime();
        LOG.debugf("Bastion revocation of %d+%d sessions: load %d ms, capture %d ms, remove %d ms", online.size(), offline.size(),
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);

        Result result = new Result(online.size(), offline.size(), deliveries.size());
        RevocationDelivery.Facts facts = new RevocationDelivery.Facts(realm.getId(), realm.getName(), user.getId(), request, result,
                Time.currentTime(), List.copyOf(digestById.keySet()), sessionDigests, List.copyOf(deliveries.values()), unsigned, deferred);
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        ExecutorService executor = AfterCommit.executor(session);
        AfterCommit.run(session, () -> RevocationDelivery.afterCommit(factory, executor, facts));
        return result;
    }

    private static boolean hasPairwiseSubject(ClientModel client) {
        return client.getProtocolMappersStream().anyMatch(m -> m.getProtocolMapper() != null
                && m.getProtocolMapper().contains("pairwise"));
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

}
