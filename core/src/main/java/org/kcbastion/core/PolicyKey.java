package org.kcbastion.core;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every realm attribute Bastion reads, with its default as stored text. The attribute names are a public contract
 * (README, DESIGN.md): rename nothing here without changing them everywhere.
 */
public enum PolicyKey {
    STEP_UP_MAX_AGE_SECONDS("bastion.stepUp.maxAgeSeconds", "300"),
    /** The step-up window of catalogue writes other than impersonation and Bastion's policy. */
    STEP_UP_WRITES_MAX_AGE_SECONDS("bastion.stepUp.writesMaxAgeSeconds", "900"),
    IMPERSONATION_REQUIRE_REASON("bastion.impersonation.requireReason", "true"),
    IMPERSONATION_MAX_SESSION_SECONDS("bastion.impersonation.maxSessionSeconds", "900"),
    /** Empty means: the realm's admin roles (realm-admin and the realm-management client roles). */
    IMPERSONATION_PROTECTED_ROLES("bastion.impersonation.protectedRoles", ""),
    IMPERSONATION_NOTIFY_USER("bastion.impersonation.notifyUser", "true"),
    /** Service accounts have no session to step up in; they may impersonate only where a realm allows it. */
    IMPERSONATION_ALLOW_SERVICE_ACCOUNTS("bastion.impersonation.allowServiceAccounts", "false"),
    RATE_LIMIT_IMPERSONATION("bastion.rateLimit.impersonation", "admin=5/15m,ip=20/15m,target=3/1h"),
    REVOKE_ON_ADMIN_CREDENTIAL_CHANGE("bastion.revokeOnAdminCredentialChange", "true"),
    SESSION_MAX_SECONDS("bastion.session.maxSeconds", "43200"),
    SESSION_REMEMBER_ME_MAX_SECONDS("bastion.session.rememberMeMaxSeconds", "2592000"),
    SESSION_OFFLINE_MAX_SECONDS("bastion.session.offlineMaxSeconds", "3888000"),
    SECURITY_CONTACT("bastion.securityContact", ""),
    /** {@code privileged}: the catalogue of privileged admin writes needs a step-up; {@code all-writes}: every admin write but containment. */
    STEP_UP_SCOPE("bastion.stepUp.scope", "privileged"),
    /** {@code allow}: service accounts (no session to step up in) pass on their permission; {@code deny}: refused. */
    STEP_UP_SERVICE_ACCOUNTS("bastion.stepUp.serviceAccounts", "allow");

    private final String attribute;
    private final String defaultValue;

    PolicyKey(String attribute, String defaultValue) {
        this.attribute = attribute;
        this.defaultValue = defaultValue;
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
