package org.kcbastion.core;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every realm attribute Bastion reads, with its default as stored text. The attribute names are a public contract
 * (README, DESIGN.md): rename nothing here without changing them everywhere.
 */
public enum PolicyKey {
    STEP_UP_MAX_AGE_SECONDS("bastion.stepUp.maxAgeSeconds", "300", "Step-up max age (s)",
            "How old a step-up may be for impersonation and policy changes, in seconds (10 to 3600)."),
    /** The step-up window of catalogue writes other than impersonation and Bastion's policy. */
    STEP_UP_WRITES_MAX_AGE_SECONDS("bastion.stepUp.writesMaxAgeSeconds", "900", "Step-up max age for other admin writes (s)",
            "How old a step-up may be for the other privileged admin writes (roles, credentials, flows, secrets), "
                    + "in seconds (10 to 7200)."),
    IMPERSONATION_REQUIRE_REASON("bastion.impersonation.requireReason", "true", "Impersonation needs a reason",
            "Impersonation needs a reason (a ticket), given on the step-up page or in the X-Bastion-Reason header."),
    IMPERSONATION_MAX_SESSION_SECONDS("bastion.impersonation.maxSessionSeconds", "900", "Impersonation max session (s)",
            "Absolute lifetime of an impersonation session, in seconds (60 to 86400)."),
    /** Empty means: the realm's admin roles (realm-admin and the realm-management client roles). */
    IMPERSONATION_PROTECTED_ROLES("bastion.impersonation.protectedRoles", "", "Protected roles",
            "Comma-separated roles whose holders cannot be impersonated (realm role, or clientId/role). Admin roles are always protected."),
    IMPERSONATION_NOTIFY_USER("bastion.impersonation.notifyUser", "true", "Notify impersonated user",
            "Email the impersonated user when an impersonation starts."),
    /** Service accounts have no session to step up in; they may impersonate only where a realm allows it. */
    IMPERSONATION_ALLOW_SERVICE_ACCOUNTS("bastion.impersonation.allowServiceAccounts", "false", "Service accounts may impersonate",
            "Let service accounts (which cannot step up) impersonate."),
    RATE_LIMIT_IMPERSONATION("bastion.rateLimit.impersonation", "admin=5/15m,ip=20/15m,target=3/1h", "Impersonation rate limits",
            "Cluster-wide limits, e.g. admin=5/15m,ip=20/15m,target=3/1h."),
    REVOKE_ON_ADMIN_CREDENTIAL_CHANGE("bastion.revokeOnAdminCredentialChange", "true", "Revoke on admin credential change",
            "Revoke every session of a user when an admin sets, resets or removes a credential."),
    SESSION_MAX_SECONDS("bastion.session.maxSeconds", "43200", "SSO session cap (s)",
            "Absolute cap of SSO sessions, in seconds from their start (60 to 31622400)."),
    SESSION_REMEMBER_ME_MAX_SECONDS("bastion.session.rememberMeMaxSeconds", "2592000", "Remember-me session cap (s)",
            "Absolute cap of remember-me sessions, in seconds (60 to 31622400)."),
    SESSION_OFFLINE_MAX_SECONDS("bastion.session.offlineMaxSeconds", "3888000", "Offline session cap (s)",
            "Absolute cap of offline sessions, in seconds (60 to 31622400)."),
    /**
     * {@code enforce}: sessions past their cap end; {@code report}: they are logged, counted and listed in the posture
     * report but live on (impersonation lifetimes are enforced either way).
     */
    SESSION_ENFORCE("bastion.session.enforce", "enforce", "Session caps: enforce or report",
            "enforce: sessions end at their cap. report: sessions past their cap are logged, counted and listed in the posture report, "
                    + "and live on."),
    /** Effective only with Keycloak's experimental {@code ssf} feature and a realm whose SSF transmitter is on. */
    SSF_ENABLED("bastion.ssf.enabled", "true", "Shared Signals for revocations",
            "Send CAEP session-revoked and credential-change events for Bastion's revocations to the realm's Shared Signals streams "
                    + "(Keycloak feature ssf)."),
    SECURITY_CONTACT("bastion.securityContact", "", "Security contact email",
            "An address that receives a copy of every security alert."),
    /**
     * {@code privileged}: the catalogue of privileged admin writes needs a step-up; {@code all-writes}: every admin
     * write but containment.
     */
    STEP_UP_SCOPE("bastion.stepUp.scope", "privileged", "Step-up scope",
            "privileged: the catalogue of privileged admin writes needs a step-up. all-writes: every admin write but sign-outs, "
                    + "disabling and revoking."),
    /** {@code allow}: service accounts (no session to step up in) pass on their permission; {@code deny}: refused. */
    STEP_UP_SERVICE_ACCOUNTS("bastion.stepUp.serviceAccounts", "allow", "Service accounts and privileged writes",
            "allow: service accounts (no session to step up in) pass on their permission. deny: they are refused.");

    private final String attribute;
    private final String defaultValue;

    private final String label;
    private final String help;

    PolicyKey(String attribute, String defaultValue, String label, String help) {
        this.attribute = attribute;
        this.defaultValue = defaultValue;
        this.label = label;
        this.help = help;
    }

    /** The console tab's field label. */
    public String label() {
        return label;
    }

    /** The console tab's help text: what the value does and its allowed range. */
    public String help() {
        return help;
    }

    public String attribute() {
        return attribute;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public static Optional<PolicyKey> byAttribute(String attribute) {
        return Arrays.stream(values()).filter(k -> k.attribute.equals(attribute)).findFirst();
    }
}
