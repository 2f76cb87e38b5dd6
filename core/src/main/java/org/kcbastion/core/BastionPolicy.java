package org.kcbastion.core;

import org.keycloak.models.RealmModel;
import org.keycloak.utils.EmailValidationUtil;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A realm's Bastion policy, read from realm attributes. Reading never fails: an invalid value is reported in
 * {@link #problems()} and the default applies instead, because a typo must never switch a protection off.
 */
public record BastionPolicy(
        int stepUpMaxAgeSeconds,
        int stepUpWritesMaxAgeSeconds,
        boolean impersonationRequireReason,
        int impersonationMaxSessionSeconds,
        Set<String> impersonationProtectedRoles,
        boolean impersonationNotifyUser,
        ImpersonationLimits impersonationLimits,
        boolean impersonationAllowServiceAccounts,
        boolean revokeOnAdminCredentialChange,
        int sessionMaxSeconds,
        int sessionRememberMeMaxSeconds,
        int sessionOfflineMaxSeconds,
        boolean sessionReportOnly,
        Optional<String> securityContact,
        boolean stepUpAllWrites,
        boolean stepUpDenyServiceAccounts,
        boolean ssfEnabled,
        List<Problem> problems) {

    /**
     * An attribute whose value was rejected; {@code reason} is safe to show to a realm admin; {@code inForce} is what
     * applies instead: always the strict side (a floor, a ceiling, the protection on), never a silently looser value.
     */
    public record Problem(PolicyKey key, String value, String reason, String inForce) {
    }

    static final int ONE_YEAR = 366 * 86400;
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+");

    public BastionPolicy {
        impersonationProtectedRoles = Set.copyOf(impersonationProtectedRoles);
        problems = List.copyOf(problems);
    }

    public static BastionPolicy from(RealmModel realm) {
        return read(realm::getAttribute);
    }

    /**
     * The four session lifetimes and the enforcement mode alone, read exactly as {@link #read} reads them. Every
     * refresh needs these and nothing else, so it does not parse rate limits, roles and addresses.
     */
    public record Lifetimes(int sessionMaxSeconds, int rememberMeMaxSeconds, int offlineMaxSeconds, int impersonationMaxSeconds,
                            boolean reportOnly) {

        public Lifetimes(int sessionMaxSeconds, int rememberMeMaxSeconds, int offlineMaxSeconds, int impersonationMaxSeconds) {
            this(sessionMaxSeconds, rememberMeMaxSeconds, offlineMaxSeconds, impersonationMaxSeconds, false);
        }

        public static Lifetimes from(RealmModel realm) {
            return read(realm::getAttribute);
        }

        public static Lifetimes read(Function<String, String> attributes) {
            PolicyReader r = new PolicyReader(attributes);
            return new Lifetimes(r.sessionCap(PolicyKey.SESSION_MAX_SECONDS), r.sessionCap(PolicyKey.SESSION_REMEMBER_ME_MAX_SECONDS),
                    r.sessionCap(PolicyKey.SESSION_OFFLINE_MAX_SECONDS), r.impersonationMaxSession(), r.reportOnly());
        }
    }

    /**
     * Only {@code bastion.stepUp.scope}, read as {@link #read} reads it: every admin write asks this, and needs nothing
     * else of the policy.
     */
    public static boolean stepUpAllWrites(RealmModel realm) {
        return new PolicyReader(realm::getAttribute).choice(PolicyKey.STEP_UP_SCOPE, "privileged", "all-writes");
    }

    /** Only {@code bastion.ssf.enabled}, read as {@link #read} reads it (the sweeper asks it per ended session). */
    public static boolean ssfEnabled(RealmModel realm) {
        return new PolicyReader(realm::getAttribute).bool(PolicyKey.SSF_ENABLED);
    }

    public Lifetimes lifetimes() {
        return new Lifetimes(sessionMaxSeconds, sessionRememberMeMaxSeconds, sessionOfflineMaxSeconds, impersonationMaxSessionSeconds,
                sessionReportOnly);
    }

    /** Reads the policy through {@code attributes} (attribute name to raw value, null when unset). */
    public static BastionPolicy read(Function<String, String> attributes) {
        PolicyReader r = new PolicyReader(attributes);
        return new BastionPolicy(
                r.seconds(PolicyKey.STEP_UP_MAX_AGE_SECONDS, 10, 3600),
                r.seconds(PolicyKey.STEP_UP_WRITES_MAX_AGE_SECONDS, 10, 7200),
                r.bool(PolicyKey.IMPERSONATION_REQUIRE_REASON),
                r.impersonationMaxSession(),
                r.value(PolicyKey.IMPERSONATION_PROTECTED_ROLES, BastionPolicy::parseRoles),
                r.bool(PolicyKey.IMPERSONATION_NOTIFY_USER),
                r.value(PolicyKey.RATE_LIMIT_IMPERSONATION, ImpersonationLimits::parse),
                r.bool(PolicyKey.IMPERSONATION_ALLOW_SERVICE_ACCOUNTS),
                r.bool(PolicyKey.REVOKE_ON_ADMIN_CREDENTIAL_CHANGE),
                r.sessionCap(PolicyKey.SESSION_MAX_SECONDS),
                r.sessionCap(PolicyKey.SESSION_REMEMBER_ME_MAX_SECONDS),
                r.sessionCap(PolicyKey.SESSION_OFFLINE_MAX_SECONDS),
                r.reportOnly(),
                r.value(PolicyKey.SECURITY_CONTACT, BastionPolicy::parseContact),
                // A value that does not parse takes the strict side here: these two switches only ever tighten.
                r.choice(PolicyKey.STEP_UP_SCOPE, "privileged", "all-writes"),
                r.choice(PolicyKey.STEP_UP_SERVICE_ACCOUNTS, "allow", "deny"),
                r.bool(PolicyKey.SSF_ENABLED),
                r.problems);
    }

    /**
     * Checks one raw value the way {@link #read} would, for validating input before anything is stored.
     *
     * @return the reason it is invalid, or empty when it is valid (null and blank mean "unset" and are valid)
     */
    public static Optional<String> validate(PolicyKey key, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        BastionPolicy probe = read(attribute -> attribute.equals(key.attribute()) ? value : null);
        return probe.problems().stream().map(Problem::reason).findFirst();
    }

    public boolean isValid() {
        return problems.isEmpty();
    }

    /** The attribute that caps sessions per client (client attribute) and per role (role attribute). */
    public static final String CAP_ATTRIBUTE = "bastion.session.maxSeconds";
    public static final int MIN_CAP_SECONDS = 60;
    public static final int MAX_CAP_SECONDS = 366 * 86400;

    /**
     * A per-client or per-role cap: a whole number of seconds from 60 to 366 days. Anything else is not a cap, and the
     * other caps stay in force.
     */
    public static java.util.OptionalInt parseCapSeconds(String value) {
        if (value == null || value.isBlank()) return java.util.OptionalInt.empty();
        try {
            int v = Integer.parseInt(value.trim());
            return v >= MIN_CAP_SECONDS && v <= ONE_YEAR ? java.util.OptionalInt.of(v) : java.util.OptionalInt.empty();
        } catch (NumberFormatException e) {
            return java.util.OptionalInt.empty();
        }
    }

    /**
     * {@link #effectiveCapSeconds} as a plain int, 0 when unset: read on every token request for the client's and each
     * role's cap. A value of one to nine digits (every value a write accepts) is read directly; anything else takes the
     * general path, with the same result.
     */
    public static int effectiveCapSecondsOrZero(String value) {
        if (value == null) return 0;
        int length = value.length();
        if (length == 0 || length > 9) return effectiveCapSeconds(value).orElse(0);
        int seconds = 0;
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') return effectiveCapSeconds(value).orElse(0);
            seconds = seconds * 10 + (c - '0');
        }
        return Math.max(MIN_CAP_SECONDS, Math.min(ONE_YEAR, seconds));
    }

    /**
     * A client or role cap as it is enforced: unset means no cap; out of range it is clamped toward the strict side;
     * a value that is not a number is read as the floor (60 s). Writes refuse all of those
     * ({@link #parseCapSeconds}); this is for values that still arrive (an older export, a direct database edit).
     */
    public static java.util.OptionalInt effectiveCapSeconds(String value) {
        if (value == null || value.isBlank()) return java.util.OptionalInt.empty();
        try {
            long v = Long.parseLong(value.strip());
            return java.util.OptionalInt.of((int) Math.max(MIN_CAP_SECONDS, Math.min(ONE_YEAR, v)));
        } catch (NumberFormatException e) {
            return java.util.OptionalInt.of(MIN_CAP_SECONDS);
        }
    }

    private static Set<String> parseRoles(String text) {
        Set<String> roles = Arrays.stream(text.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toCollection(LinkedHashSet::new));
        for (String role : roles) {
            if (role.length() > 255 || role.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("'" + role + "' is not a role name");
            }
        }
        return Collections.unmodifiableSet(roles);
    }

    private static Optional<String> parseContact(String text) {
        String address = text.strip();
        if (address.isEmpty()) {
            return Optional.empty();
        }
        // Keycloak's own email check, and no control or separator character anywhere: the address lands in mail
        // headers and in audit lines.
        if (!Reasons.printable(address) || address.codePoints().anyMatch(Character::isWhitespace)
                || !EMAIL.matcher(address).matches() || address.length() > 254 || !EmailValidationUtil.isValidEmail(address)) {
            throw new IllegalArgumentException("'" + address + "' is not an email address");
        }
        return Optional.of(address);
    }
}
