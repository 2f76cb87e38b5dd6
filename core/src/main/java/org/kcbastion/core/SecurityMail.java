package org.kcbastion.core;

import org.jboss.logging.Logger;
import org.keycloak.email.EmailException;
import org.keycloak.email.EmailTemplateProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Security alert emails, sent through the realm's SMTP settings and email theme, from templates in
 * {@code theme-resources/templates} (so they work with any realm theme). Called after commit only; a failure is
 * logged and audited ({@code alert_email_failed}) and never undoes what caused the alert.
 */
public final class SecurityMail {

    private static final Logger LOG = Logger.getLogger(SecurityMail.class);
    static final String TEMPLATE = "bastion-credential-changed.ftl";
    static final String SUBJECT = "bastionCredentialChangedSubject";

    /** Facts for the credential-changed alert; {@code change} is a message key. */
    public record Alert(String change, String adminUsername, String adminIp, int sessionCount, long epochSeconds) {
    }

    static final String IMPERSONATION_TEMPLATE = "bastion-impersonation-notice.ftl";

    /**
     * Facts for the impersonation notice; {@code outcome} is {@code started} or {@code denied} (then {@code error} is
     * the guard's code and {@code expiresAt} is 0).
     */
    public record ImpersonationNotice(String outcome, String adminUsername, String adminIp, String reason, String error,
                                      long epochSeconds, long expiresAt) {
    }

    private SecurityMail() {
    }

    /**
     * Tells the impersonated user (when {@code toUser}) and the realm's security contact. Runs its own transaction;
     * call it after commit.
     */
    public static void impersonation(KeycloakSessionFactory factory, String realmId, String userId, ImpersonationNotice notice,
                                     boolean toUser) {
        RealmJobs.inRealm(factory, realmId, (session, realm) -> {
            UserModel user = session.users().getUserById(realm, userId);
            if (user == null) return;
            List<String> recipients = new ArrayList<>();
            if (toUser && user.getEmail() != null && !user.getEmail().isBlank()) recipients.add(user.getEmail());
            BastionPolicy.from(realm).securityContact().ifPresent(recipients::add);
            for (String recipient : recipients) {
                Map<String, Object> attributes = new HashMap<>();
                attributes.put("outcome", notice.outcome());
                attributes.put("adminUsername", notice.adminUsername() == null ? "-" : notice.adminUsername());
                attributes.put("ipAddress", notice.adminIp() == null ? "-" : notice.adminIp());
                attributes.put("reason", notice.reason() == null ? "-" : notice.reason());
                attributes.put("error", notice.error() == null ? "-" : notice.error());
                attributes.put("at", formatTime(session, realm, user, notice.epochSeconds()));
                attributes.put("expiresAt", notice.expiresAt() > 0 ? formatTime(session, realm, user, notice.expiresAt()) : "-");
                attributes.put("accountName", user.getUsername());
                String subject = notice.outcome().equals("denied") ? "bastionImpersonationDeniedSubject"
                        : "bastionImpersonationStartedSubject";
                deliver(session, realm, user, recipient, recipient.equals(user.getEmail()) ? "user" : "security_contact",
                        subject, IMPERSONATION_TEMPLATE, attributes);
            }
        });
    }

    private static void deliver(KeycloakSession session, RealmModel realm, UserModel user, String recipient, String recipientKind,
                                String subject, String template, Map<String, Object> attributes) {
        try {
            session.getProvider(EmailTemplateProvider.class)
                    .setRealm(realm)
                    .setUser(user)
                    .send(subject, List.of(realm.getDisplayName() != null ? realm.getDisplayName() : realm.getName()),
                            template, attributes, recipient);
        } catch (EmailException | RuntimeException e) {
            LOG.warnf("Bastion could not send %s in realm %s to the %s: %s", template, realm.getName(), recipientKind, e.getMessage());
            BastionMetrics.mailFailed(realm.getName(), recipientKind);
            SecurityAudit.record("alert_email_failed", realm.getName(), Map.of(
                    "user_id", user.getId(), "recipient", recipientKind, "reason", String.valueOf(e.getMessage())));
        }
    }

    public static void credentialChanged(KeycloakSessionFactory factory, String realmId, String userId, Alert alert) {
        RealmJobs.inRealm(factory, realmId, (session, realm) -> {
            UserModel user = session.users().getUserById(realm, userId);
            if (user == null) return;
            BastionPolicy policy = BastionPolicy.from(realm);

            List<String> recipients = new ArrayList<>();
            if (user.getEmail() != null && !user.getEmail().isBlank()) recipients.add(user.getEmail());
            policy.securityContact().ifPresent(recipients::add);
            for (String recipient : recipients) {
                send(session, realm, user, alert, recipient, recipient.equals(user.getEmail()) ? "user" : "security_contact");
            }
        });
    }

    private static void send(KeycloakSession session, RealmModel realm, UserModel user, Alert alert, String recipient,
                             String recipientKind) {
        Map<String, Object> attributes = new HashMap<>();
        attributes.put("change", alert.change());
        attributes.put("changedAt", formatTime(session, realm, user, alert.epochSeconds()));
        attributes.put("adminUsername", alert.adminUsername() == null ? "-" : alert.adminUsername());
        attributes.put("ipAddress", alert.adminIp() == null ? "-" : alert.adminIp());
        attributes.put("sessionCount", alert.sessionCount());
        attributes.put("accountName", user.getUsername());
        deliver(session, realm, user, recipient, recipientKind, SUBJECT, TEMPLATE, attributes);
    }

    private static String formatTime(KeycloakSession session, RealmModel realm, UserModel user, long epochSeconds) {
        Locale locale;
        try {
            locale = session.getContext().resolveLocale(user);
        } catch (RuntimeException e) {
            locale = realm.getDefaultLocale() != null ? Locale.forLanguageTag(realm.getDefaultLocale()) : Locale.ENGLISH;
        }
        return DateTimeFormatter.ofLocalizedDateTime(FormatStyle.LONG, FormatStyle.MEDIUM)
                .withLocale(locale)
                .withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochSecond(epochSeconds));
    }
}
