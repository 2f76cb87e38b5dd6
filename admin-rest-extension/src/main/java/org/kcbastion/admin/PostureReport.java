package org.kcbastion.admin;

import org.kcbastion.core.BastionKeys;
import org.kcbastion.core.BastionPolicy;
import org.kcbastion.core.Digests;
import org.kcbastion.core.SharedSignals;
import org.kcbastion.sessionlimits.OverdueSessions;
import org.kcbastion.sessionlimits.RefreshTokenChain;
import org.kcbastion.sessionlimits.SessionLimitProvider;
import org.kcbastion.sessionlimits.SessionLimitRefreshTokenProviderFactory;
import org.keycloak.common.Profile;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.ProviderFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code GET bastion/posture}: the realm against the audit findings and Keycloak's risky defaults. Every check reports
 * {@code pass}, {@code warn} or {@code fail}, with what was found and what to do. Read-only.
 */
final class PostureReport {

    /** One line of the report. */
    record Check(String id, String severity, String status, String detail, String remediation) {
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("severity", severity);
            m.put("status", status);
            m.put("detail", detail);
            m.put("remediation", remediation);
            return m;
        }
    }

    static final String SESSION_LIMIT_PROVIDERS = "session-limit-providers";

    /** Listing many names helps nobody; the count says how many there are. */
    private static final int MAX_NAMES = 10;

    private final KeycloakSession session;
    private final RealmModel realm;
    private final BastionPolicy policy;

    PostureReport(KeycloakSession session, RealmModel realm) {
        this.session = session;
        this.realm = realm;
        this.policy = BastionPolicy.from(realm);
    }

    List<Check> run() {
        List<Check> checks = new ArrayList<>();
        checks.add(offlineMaxLifespan());
        checks.add(ssoMaxAboveCap());
        checks.add(rememberMeMax());
        checks.add(bool("brute-force-detection", "high", realm.isBruteForceProtected(),
                "Brute-force detection is on", "Brute-force detection is off: passwords and OTP codes can be guessed without limit",
                "Realm settings → Security defenses → Brute force detection: enable it"));
        checks.add(bool("refresh-token-rotation", "medium", realm.isRevokeRefreshToken(),
                "Refresh tokens are single-use", "Refresh tokens can be reused: a stolen one stays usable beside the real one",
                "Realm settings → Tokens → Revoke refresh token: on"));
        checks.add(events());
        checks.add(bool("bastion-revocation", "high", policy.revokeOnAdminCredentialChange(),
                "Admin credential changes revoke every session (bastion-security listener, global)",
                "bastion.revokeOnAdminCredentialChange is false: an admin password reset leaves sessions alive",
                "Remove the attribute or set it to true"));
        checks.add(smtp());
        AdminPosture admins = new AdminPosture(session, realm, policy);
        checks.add(admins.withoutSecondFactor());
        checks.add(admins.consoleFlowStepUp());
        checks.add(admins.federated());
        checks.add(admins.impersonationHolders());
        checks.add(admins.serviceAccounts());
        checks.add(pass("sudo-mode", "low", "Step-up scope: " + (policy.stepUpAllWrites() ? "all-writes (every admin write but containment)"
                : "privileged (" + AdminCatalogue.entries().size() + " catalogue entries, GET bastion/policy lists them)")
                + "; service accounts: " + (policy.stepUpDenyServiceAccounts() ? "deny" : "allow")));
        checks.add(bool("token-exchange-v1", "medium", !Profile.isFeatureEnabled(Profile.Feature.TOKEN_EXCHANGE),
                "Legacy token exchange (v1) is off",
                "Legacy token exchange (v1) is on. Bastion refuses its impersonation path (requested_subject) with 403, "
                        + "but the feature should be off",
                "Start Keycloak without --features=token-exchange (standard token exchange v2 stays available)"));
        checks.add(clientLogout());
        checks.add(secretsAtRest());
        checks.add(invalidAttributes());
        checks.add(sessionCapsMode());
        checks.add(sharedSignals());
        checks.add(sessionLimitProviders());
        return checks;
    }

    private Check sharedSignals() {
        SharedSignals.Status ssf = SharedSignals.status(session, realm);
        if (!ssf.featureOn()) return pass("shared-signals", "low", "Keycloak's Shared Signals transmitter (feature ssf) is off: "
                + "apps hear of revocations through back-channel logout only");
        if (!ssf.realmTransmitterOn()) return pass("shared-signals", "low", "The ssf feature is on; this realm's transmitter is off");
        if (!ssf.policyOn()) return new Check("shared-signals", "low", "warn", "bastion.ssf.enabled is false: " + ssf.streams()
                + " Shared Signals stream(s) hear nothing of Bastion's revocations", "Remove the attribute or set it to true");
        return pass("shared-signals", "low", ssf.streams() + " Shared Signals stream(s) receive Bastion's session-revoked and "
                + "credential-change events");
    }

    /**
     * Server-wide, shown in every realm: whether Keycloak asks Bastion's refresh-token provider first
     * ({@link RefreshTokenChain}) and whether a session-limit provider is enabled.
     */
    private Check sessionLimitProviders() {
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        RefreshTokenChain chain = RefreshTokenChain.of(factory);
        List<String> found = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        if (!chain.bastionEnabled()) {
            found.add("Bastion's refresh-token provider (" + SessionLimitRefreshTokenProviderFactory.PROVIDER_ID + ") is not enabled: a "
                    + "refresh past a session's cap is not refused, and the tokens it issues are not bound by it");
            fixes.add("Start Keycloak without --spi-refresh-token--provider and without disabling "
                    + SessionLimitRefreshTokenProviderFactory.PROVIDER_ID);
        } else if (!chain.bastionFirst()) {
            found.add("Refresh-token provider(s) " + chain.describe() + " " + RefreshTokenChain.CONSEQUENCE);
            fixes.add(RefreshTokenChain.REMEDY);
        }
        ProviderFactory<SessionLimitProvider> limits = factory.getProviderFactory(SessionLimitProvider.class);
        if (limits == null) {
            found.add(RefreshTokenChain.NO_SESSION_LIMIT_PROVIDER);
            fixes.add(RefreshTokenChain.NO_SESSION_LIMIT_PROVIDER_REMEDY);
        }
        if (!found.isEmpty()) {
            return new Check(SESSION_LIMIT_PROVIDERS, "high", chain.bastionEnabled() ? "warn" : "fail", String.join(". ", found),
                    String.join(". ", fixes));
        }
        return pass(SESSION_LIMIT_PROVIDERS, "high", "Keycloak asks Bastion's refresh-token provider first; session-limit policy: "
                + limits.getId());
    }

    private Check offlineMaxLifespan() {
        if (realm.isOfflineSessionMaxLifespanEnabled()) {
            return pass("offline-max-lifespan", "medium", "Keycloak's offline session max lifespan is on ("
                    + realm.getOfflineSessionMaxLifespan() + " s)");
        }
        return new Check("offline-max-lifespan", "medium", "warn",
                "Keycloak's offline session max lifespan is off: an offline token refreshed once a month lives forever in stock "
                        + "Keycloak. Bastion's offline cap (" + policy.sessionOfflineMaxSeconds() + " s) still ends it.",
                "Realm settings → Sessions → Offline session max limited: on, at most bastion.session.offlineMaxSeconds");
    }

    private Check ssoMaxAboveCap() {
        int sso = realm.getSsoSessionMaxLifespan();
        if (sso <= policy.sessionMaxSeconds()) {
            return pass("sso-max-above-cap", "low", "SSO session max (" + sso + " s) is within Bastion's cap ("
                    + policy.sessionMaxSeconds() + " s)");
        }
        return new Check("sso-max-above-cap", "low", "warn", "SSO session max (" + sso + " s) is above Bastion's cap ("
                + policy.sessionMaxSeconds() + " s): Bastion ends those sessions first, which users may not expect",
                "Lower SSO Session Max to at most bastion.session.maxSeconds, or raise the cap");
    }

    private Check rememberMeMax() {
        int rememberMe = realm.getSsoSessionMaxLifespanRememberMe();
        if (!realm.isRememberMe()) return pass("remember-me-max", "medium", "Remember me is off");
        List<String> problems = new ArrayList<>();
        if (rememberMe == 0) problems.add("remember-me SSO max is not set (Keycloak then uses the SSO max)");
        if (rememberMe > realm.getSsoSessionMaxLifespan()) problems.add("remember-me SSO max (" + rememberMe + " s) is above the SSO max");
        if (rememberMe > policy.sessionRememberMeMaxSeconds()) problems.add("remember-me SSO max is above Bastion's remember-me cap ("
                + policy.sessionRememberMeMaxSeconds() + " s)");
        if (problems.isEmpty()) return pass("remember-me-max", "medium", "Remember-me sessions are bounded (" + rememberMe + " s)");
        return new Check("remember-me-max", "medium", "warn", String.join("; ", problems),
                "Realm settings → Sessions → SSO Session Max Remember Me: at most bastion.session.rememberMeMaxSeconds");
    }

    private Check events() {
        boolean user = realm.isEventsEnabled();
        boolean admin = realm.isAdminEventsEnabled();
        if (user && admin) return pass("events-stored", "medium", "User and admin events are stored");
        return new Check("events-stored", "medium", "fail",
                (user ? "" : "user events are not stored; ") + (admin ? "" : "admin events are not stored; ")
                        + "impersonations, resets and denials leave no trace in Keycloak",
                "Realm settings → Events → User events settings and Admin events settings: save events");
    }

    private Check smtp() {
        Map<String, String> smtp = realm.getSmtpConfig();
        boolean configured = smtp != null && smtp.get("host") != null && !smtp.get("host").isBlank()
                && smtp.get("from") != null && !smtp.get("from").isBlank();
        if (configured) return pass("smtp", "medium", "SMTP is configured: security alerts can be sent");
        return new Check("smtp", "medium", "fail", "SMTP is not configured: credential-change and impersonation alerts cannot be sent",
                "Realm settings → Email: set host and from address, then test the connection");
    }




    private Check clientLogout() {
        List<String> deaf = realm.getClientsStream()
                .filter(c -> "openid-connect".equals(c.getProtocol()) && !c.isPublicClient() && !c.isBearerOnly())
                .filter(c -> c.getAttribute("backchannel.logout.url") == null || c.getAttribute("backchannel.logout.url").isBlank()
                        || c.isFrontchannelLogout())
                .filter(c -> !isBuiltIn(c))
                .map(ClientModel::getClientId).sorted().toList();
        if (deaf.isEmpty()) return pass("client-backchannel-logout", "medium", "Every confidential client hears back-channel logouts");
        return new Check("client-backchannel-logout", "medium", "warn", deaf.size()
                + " client(s) will not hear revocations (no back-channel logout URL, or front-channel logout on): " + names(deaf),
                "Client → Advanced / Logout settings: set Backchannel logout URL and switch Front channel logout off");
    }

    private Check secretsAtRest() {
        List<String> inDatabase = new ArrayList<>();
        realm.getClientsStream()
                .filter(c -> !c.isPublicClient() && !c.isBearerOnly() && !isBuiltIn(c))
                .filter(c -> c.getSecret() != null && !c.getSecret().startsWith("${vault."))
                .forEach(c -> inDatabase.add("client secret of " + c.getClientId()));
        realm.getComponentsStream(realm.getId(), "org.keycloak.keys.KeyProvider")
                .filter(k -> k.getProviderId() != null && k.getProviderId().endsWith("-generated"))
                .forEach(k -> inDatabase.add("key " + k.getName()));
        if (inDatabase.isEmpty()) return pass("secrets-at-rest", "low", "Client secrets and keys come from a vault or keystore");
        return new Check("secrets-at-rest", "low", "warn", inDatabase.size() + " secret(s) kept in the database: " + names(inDatabase),
                "Reference client secrets from Keycloak's vault (${vault.key}) and load realm keys from a keystore "
                        + "(java-keystore provider)");
    }

    /**
     * Report mode keeps sessions past their cap alive: the check lists them (at most {@link #LISTED}, with the digest
     * the audit lines carry) so an operator sees what enforcing would end before switching.
     */
    private Check sessionCapsMode() {
        if (!policy.sessionReportOnly()) {
            return pass("session-caps-mode", "medium", "Session caps are enforced (bastion.session.enforce=enforce)");
        }
        OverdueSessions.Found found = OverdueSessions.find(session, realm, LISTED);
        Digests digests = BastionKeys.digests(session);
        List<String> listed = found.listed().stream().map(o -> (o.username() == null ? o.userId() : o.username())
                + " (" + (o.offline() ? "offline, " : "") + o.source() + " cap, deadline " + Instant.ofEpochSecond(o.deadline())
                + ", session " + digests.hmac(o.sessionId()) + ")").toList();
        return new Check("session-caps-mode", "medium", "warn", "Report mode (bastion.session.enforce=report): "
                + found.total() + " session(s) are past their cap and live on" + (listed.isEmpty() ? "" : ": " + String.join("; ", listed)
                + (found.total() > listed.size() ? "; and " + (found.total() - listed.size()) + " more" : "")),
                "When the list holds only sessions you mean to end, set bastion.session.enforce to enforce (or remove it): "
                        + "the next sweep ends them");
    }

    private static final int LISTED = 20;

    private Check invalidAttributes() {
        List<String> invalid = new ArrayList<>();
        policy.problems().forEach(p -> invalid.add("realm " + p.key().attribute() + "='" + p.value() + "': " + p.reason()));
        realm.getClientsStream().forEach(c -> check(invalid, "client " + c.getClientId(), c.getAttribute(BastionPolicy.CAP_ATTRIBUTE)));
        Stream.concat(realm.getRolesStream(), realm.getClientsStream().flatMap(ClientModel::getRolesStream))
                .forEach(r -> check(invalid, "role " + r.getName(), r.getFirstAttribute(BastionPolicy.CAP_ATTRIBUTE)));
        if (invalid.isEmpty()) return pass("bastion-attributes", "high", "Every Bastion attribute value is valid");
        return new Check("bastion-attributes", "high", "fail",
                invalid.size() + " invalid value(s), read on the strict side: " + names(invalid),
                "Fix or remove them; GET bastion/policy shows the realm's values and why one is refused");
    }

    private static void check(List<String> invalid, String where, String value) {
        if (value != null && !value.isBlank() && BastionPolicy.parseCapSeconds(value).isEmpty()) {
            invalid.add(where + " " + BastionPolicy.CAP_ATTRIBUTE + "='" + value + "' (not 60 s to 366 days; enforced as "
                    + BastionPolicy.effectiveCapSeconds(value).getAsInt() + " s)");
        }
    }




    private static boolean isBuiltIn(ClientModel c) {
        return Set.of("realm-management", "broker", "account", "account-console", "admin-cli", "security-admin-console")
                .contains(c.getClientId()) || c.getClientId().endsWith("-realm");
    }

    static String names(List<String> names) {
        return names.size() <= MAX_NAMES ? String.join(", ", names)
                : String.join(", ", names.subList(0, MAX_NAMES)) + ", ... (" + (names.size() - MAX_NAMES) + " more)";
    }

    static Check pass(String id, String severity, String detail) {
        return new Check(id, severity, "pass", detail, "");
    }

    private static Check bool(String id, String severity, boolean ok, String passDetail, String failDetail, String remediation) {
        return ok ? pass(id, severity, passDetail) : new Check(id, severity, "fail", failDetail, remediation);
    }
}
