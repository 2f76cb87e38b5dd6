package org.kcbastion.core;

import org.jboss.logging.Logger;
import org.keycloak.common.util.Time;
import org.keycloak.events.Event;
import org.keycloak.events.EventType;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.ssf.Ssf;
import org.keycloak.ssf.event.InitiatingEntity;
import org.keycloak.ssf.event.SsfEvent;
import org.keycloak.ssf.event.caep.CaepCredentialChange;
import org.keycloak.ssf.event.caep.CaepSessionRevoked;
import org.keycloak.ssf.event.token.SsfSecurityEventToken;
import org.keycloak.ssf.stream.StreamStatusValue;
import org.keycloak.ssf.transmitter.SsfTransmitterProvider;
import org.keycloak.ssf.transmitter.delivery.SecurityEventTokenDispatcher;
import org.keycloak.ssf.transmitter.event.SecurityEventTokenMapper;
import org.keycloak.ssf.transmitter.stream.StreamConfig;
import org.keycloak.ssf.transmitter.support.SsfUtil;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The only class that touches Keycloak's SSF transmitter classes; {@link SharedSignals} loads it only when they exist.
 * The SETs are built by Keycloak's own mapper (subject format per stream, tenant) and written to Keycloak's outbox by
 * its dispatcher ({@code deliverEvent}: signing, push or poll). The gates Keycloak applies to its own events are applied
 * here first: stream status, events requested, and the user-level subject filter. Keycloak's {@code dispatchEvent}
 * cannot be used off a request thread: its subject filter derives the realm issuer from the request URL.
 * <p>
 * A paused stream gets nothing from Bastion (Keycloak holds its own events for it but offers no public way to hold
 * one of ours); the posture report counts enabled streams only.
 */
final class SsfTransmitterBridge {

    private static final Logger LOG = Logger.getLogger(SsfTransmitterBridge.class);

    private SsfTransmitterBridge() {
    }

    static SharedSignals.Queued queue(KeycloakSession session, RealmModel realm, SharedSignals.Revocation revocation) {
        SsfTransmitterProvider transmitter = session.getProvider(SsfTransmitterProvider.class);
        if (transmitter == null || !Ssf.isTransmitterEnabled(realm)) return SharedSignals.Queued.NONE;
        UserModel user = session.users().getUserById(realm, revocation.userId());
        if (user == null) return SharedSignals.Queued.NONE;
        SecurityEventTokenDispatcher dispatcher = transmitter.securityEventTokenDispatcher();
        String change = revocation.credentialChange(emitsNatively(transmitter, CaepCredentialChange.TYPE));
        int revoked = 0;
        int changed = 0;
        for (StreamConfig stream : transmitter.streamService().findStreamsForSsfReceiverClients()) {
            if (!enabled(stream) || !dispatcher.shouldDispatchForUser(user, stream)) continue;
            // The issuer the receiver was given when it created the stream: this runs after the request, where
            // Keycloak's own mapper could not derive one from the request URL.
            String issuer = issuerOf(session, stream);
            SecurityEventTokenMapper mapper = new SecurityEventTokenMapper(session, transmitter.getConfig(), s -> issuer);
            AdminEvent admin = revocation.byPolicy() ? null : adminEvent(realm, user);
            // The cause first: a receiver that handles both learns why before the sessions go.
            if (change != null && requested(transmitter, stream, CaepCredentialChange.TYPE)) {
                for (String type : revocation.credentialTypes()) {
                    Event event = userEvent(realm, user, null);
                    event.getDetails().put("credential_type", type);
                    SsfSecurityEventToken token = mapper.generateCredentialChangeEvent(event, admin, stream,
                            CaepCredentialChange.ChangeType.valueOf(change.toUpperCase(Locale.ROOT)), type);
                    if (token == null) continue;
                    dispatcher.deliverEvent(token, stream);
                    changed++;
                }
            }
            if (requested(transmitter, stream, CaepSessionRevoked.TYPE)) {
                for (String sessionId : revocation.sessionIds()) {
                    SsfSecurityEventToken token = mapper.generateSessionRevokedEvent(userEvent(realm, user, sessionId), admin, stream,
                            revocation.reason());
                    if (token == null) continue;
                    if (revocation.byPolicy() && token.getEvents().get(CaepSessionRevoked.TYPE) instanceof SsfEvent event) {
                        event.setInitiatingEntity(InitiatingEntity.POLICY);
                    }
                    dispatcher.deliverEvent(token, stream);
                    revoked++;
                }
            }
        }
        LOG.debugf("Bastion queued %d session-revoked and %d credential-change SETs for user %s in realm %s",
                revoked, changed, user.getId(), realm.getName());
        return new SharedSignals.Queued(revoked, changed);
    }

    static boolean transmitterOn(KeycloakSession session, RealmModel realm) {
        return Ssf.isTransmitterEnabled(realm) && session.getProvider(SsfTransmitterProvider.class) != null;
    }

    static SharedSignals.Status status(KeycloakSession session, RealmModel realm, boolean policyOn) {
        SsfTransmitterProvider transmitter = session.getProvider(SsfTransmitterProvider.class);
        if (transmitter == null) return new SharedSignals.Status(false, false, policyOn, 0);
        if (!Ssf.isTransmitterEnabled(realm)) return new SharedSignals.Status(true, false, policyOn, 0);
        RealmModel previous = session.getContext().getRealm();
        session.getContext().setRealm(realm);
        try {
            long streams = transmitter.streamService().findStreamsForSsfReceiverClients().stream()
                    .filter(SsfTransmitterBridge::enabled)
                    .filter(s -> requested(transmitter, s, CaepSessionRevoked.TYPE) || requested(transmitter, s, CaepCredentialChange.TYPE))
                    .count();
            return new SharedSignals.Status(true, true, policyOn, (int) streams);
        } finally {
            session.getContext().setRealm(previous);
        }
    }

    /** Keycloak treats a stream without a status as enabled. */
    private static boolean enabled(StreamConfig stream) {
        return stream.getStatus() != StreamStatusValue.disabled && stream.getStatus() != StreamStatusValue.paused;
    }

    /** Whether Keycloak's own listener emits {@code type} (it then maps the admin calls it knows itself). */
    private static boolean emitsNatively(SsfTransmitterProvider transmitter, String type) {
        Set<String> aliases = transmitter.getNativelyEmittedEventAliases();
        return aliases != null && (aliases.contains(type) || aliases.contains(transmitter.resolveAliasForEventType(type)));
    }

    /** The stream's own list, by URI or by alias, as Keycloak's dispatcher reads it. */
    private static boolean requested(SsfTransmitterProvider transmitter, StreamConfig stream, String type) {
        Set<String> requested = stream.getEventsRequested();
        if (requested == null) return false;
        return requested.contains(type) || requested.contains(transmitter.resolveAliasForEventType(type));
    }

    private static String issuerOf(KeycloakSession session, StreamConfig stream) {
        if (stream.getIssuer() != null && !stream.getIssuer().isBlank()) return stream.getIssuer();
        return SsfUtil.getIssuerUrl(session);
    }

    /** What Keycloak's mapper reads of a user event: user, session, realm, details. */
    private static Event userEvent(RealmModel realm, UserModel user, String sessionId) {
        Event event = new Event();
        event.setType(EventType.LOGOUT);
        event.setTime(Time.currentTimeMillis());
        event.setRealmId(realm.getId());
        event.setRealmName(realm.getName());
        event.setUserId(user.getId());
        event.setSessionId(sessionId);
        Map<String, String> details = new HashMap<>();
        event.setDetails(details);
        return event;
    }

    /** Present, so Keycloak's mapper sets {@code initiating_entity} to {@code admin}. */
    private static AdminEvent adminEvent(RealmModel realm, UserModel user) {
        AdminEvent event = new AdminEvent();
        event.setTime(Time.currentTimeMillis());
        event.setRealmId(realm.getId());
        event.setResourceType(ResourceType.USER);
        event.setOperationType(OperationType.ACTION);
        event.setResourcePath("users/" + user.getId());
        return event;
    }
}
