package org.kcbastion.admin;

import org.kcbastion.core.OperationalInfo;
import org.kcbastion.core.PolicyKey;
import org.kcbastion.core.PolicyTab;
import org.kcbastion.core.PrivilegedActionGuard;
import org.keycloak.Config;
import org.keycloak.component.ComponentModel;
import org.keycloak.component.ComponentValidationException;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.services.resources.admin.AdminRoot;
import org.keycloak.services.ui.extend.UiTabProviderFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The "bastion-policy" tab under Realm settings in the admin console (Keycloak's declarative UI, shown with
 * {@code --features=declarative-ui}). Saving it goes through the same guard (manage-realm plus a fresh step-up) and
 * the same validation as {@code PUT bastion/policy}, then stores the policy as realm attributes.
 */
public final class PolicyTabFactory implements UiTabProviderFactory<ComponentModel>, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = PolicyTab.PROVIDER_ID;

    private static final Map<PolicyKey, String> LABEL = Map.ofEntries(
            Map.entry(PolicyKey.STEP_UP_MAX_AGE_SECONDS, "Step-up max age (s)"),
            Map.entry(PolicyKey.IMPERSONATION_REQUIRE_REASON, "Impersonation needs a reason"),
            Map.entry(PolicyKey.IMPERSONATION_MAX_SESSION_SECONDS, "Impersonation max session (s)"),
            Map.entry(PolicyKey.IMPERSONATION_PROTECTED_ROLES, "Protected roles"),
            Map.entry(PolicyKey.IMPERSONATION_NOTIFY_USER, "Notify impersonated user"),
            Map.entry(PolicyKey.IMPERSONATION_ALLOW_SERVICE_ACCOUNTS, "Service accounts may impersonate"),
            Map.entry(PolicyKey.RATE_LIMIT_IMPERSONATION, "Impersonation rate limits"),
            Map.entry(PolicyKey.REVOKE_ON_ADMIN_CREDENTIAL_CHANGE, "Revoke on admin credential change"),
            Map.entry(PolicyKey.SESSION_MAX_SECONDS, "SSO session cap (s)"),
            Map.entry(PolicyKey.SESSION_REMEMBER_ME_MAX_SECONDS, "Remember-me session cap (s)"),
            Map.entry(PolicyKey.SESSION_OFFLINE_MAX_SECONDS, "Offline session cap (s)"),
            Map.entry(PolicyKey.SECURITY_CONTACT, "Security contact email"));

    private static final Map<PolicyKey, String> HELP = Map.ofEntries(
            Map.entry(PolicyKey.STEP_UP_MAX_AGE_SECONDS, "How old a step-up may be for a privileged action, in seconds (10 to 3600)."),
            Map.entry(PolicyKey.IMPERSONATION_REQUIRE_REASON, "Impersonation needs a reason (a ticket), given on the step-up page or in the X-Bastion-Reason header."),
            Map.entry(PolicyKey.IMPERSONATION_MAX_SESSION_SECONDS, "Absolute lifetime of an impersonation session, in seconds (60 to 86400)."),
            Map.entry(PolicyKey.IMPERSONATION_PROTECTED_ROLES, "Comma-separated roles whose holders cannot be impersonated (realm role, or clientId/role). Admin roles are always protected."),
            Map.entry(PolicyKey.IMPERSONATION_NOTIFY_USER, "Email the impersonated user when an impersonation starts."),
            Map.entry(PolicyKey.IMPERSONATION_ALLOW_SERVICE_ACCOUNTS, "Let service accounts (which cannot step up) impersonate."),
            Map.entry(PolicyKey.RATE_LIMIT_IMPERSONATION, "Cluster-wide limits, e.g. admin=5/15m,ip=20/15m,target=3/1h."),
            Map.entry(PolicyKey.REVOKE_ON_ADMIN_CREDENTIAL_CHANGE, "Revoke every session of a user when an admin sets, resets or removes a credential."),
            Map.entry(PolicyKey.SESSION_MAX_SECONDS, "Absolute cap of SSO sessions, in seconds from their start."),
            Map.entry(PolicyKey.SESSION_REMEMBER_ME_MAX_SECONDS, "Absolute cap of remember-me sessions, in seconds."),
            Map.entry(PolicyKey.SESSION_OFFLINE_MAX_SECONDS, "Absolute cap of offline sessions, in seconds."),
            Map.entry(PolicyKey.SECURITY_CONTACT, "An address that receives a copy of every security alert."));

    @Override
    public String getPath() {
        return "/:realm/realm-settings/:tab";
    }

    @Override
    public Map<String, String> getParams() {
        return Map.of("tab", PROVIDER_ID);
    }

    @Override
    public String getHelpText() {
        return "Keycloak Bastion policy of this realm";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        List<ProviderConfigProperty> properties = new ArrayList<>();
        for (PolicyKey key : PolicyKey.values()) {
            boolean bool = key.defaultValue().equals("true") || key.defaultValue().equals("false");
            ProviderConfigProperty p = new ProviderConfigProperty(key.attribute(), LABEL.getOrDefault(key, key.attribute()),
                    HELP.getOrDefault(key, "") + " (" + key.attribute() + ")",
                    bool ? ProviderConfigProperty.BOOLEAN_TYPE : ProviderConfigProperty.STRING_TYPE, key.defaultValue());
            properties.add(p);
        }
        return properties;
    }

    @Override
    public void validateConfiguration(KeycloakSession session, RealmModel realm, ComponentModel model) {
        PrivilegedActionGuard.Decision decision = guard(session, realm);
        if (!decision.allowed()) {
            throw new ComponentValidationException(decision.error() + ": " + decision.description());
        }
        try {
            PolicyUpdate.validate(realm, policyFields(model));
        } catch (PolicyUpdate.Invalid e) {
            throw new ComponentValidationException("invalid_policy: " + e.getMessage());
        }
    }

    /**
     * Stores only the fields whose value differs from what the form showed (the realm's value or the default), so a
     * save with one field changed changes one attribute and never pins the defaults of the others.
     */
    @Override
    public void onCreate(KeycloakSession session, RealmModel realm, ComponentModel model) {
        PolicyUpdate.store(realm, PolicyUpdate.validate(realm, changedFields(realm, model)));
    }

    @Override
    public void onUpdate(KeycloakSession session, RealmModel realm, ComponentModel oldModel, ComponentModel newModel) {
        PolicyUpdate.store(realm, PolicyUpdate.validate(realm, changedFields(realm, newModel)));
    }

    /** The form's fields that differ from the realm's policy as the form shows it. */
    private static Map<String, String> changedFields(RealmModel realm, ComponentModel model) {
        Map<String, String> changed = new LinkedHashMap<>();
        policyFields(model).forEach((attribute, value) -> {
            PolicyKey key = PolicyKey.byAttribute(attribute).orElseThrow();
            String sent = value == null ? "" : value.strip();
            if (!sent.equals(PolicyTab.shown(realm, key))) changed.put(attribute, sent.equals(key.defaultValue()) ? null : sent);
        });
        return changed;
    }

    static String formKey(PolicyKey key) {
        return PolicyTab.formKey(key);
    }

    /** The form's policy fields; the console also adds its route parameters to the config, which are not policy. */
    private static Map<String, String> policyFields(ComponentModel model) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (PolicyKey key : PolicyKey.values()) {
            // The declared name first: it is what Keycloak's component REST API (and so the console) writes.
            for (String name : new String[]{key.attribute(), formKey(key)}) {
                if (model.getConfig().containsKey(name)) {
                    fields.put(key.attribute(), model.getConfig().getFirst(name));
                    break;
                }
            }
        }
        return fields;
    }

    /** The admin saving the tab, judged like {@code PUT bastion/policy}. */
    private static PrivilegedActionGuard.Decision guard(KeycloakSession session, RealmModel realm) {
        RealmModel contextRealm = session.getContext().getRealm();
        try {
            AdminAuth admin = AdminRoot.authenticateRealmAdminRequest(session);
            var connection = session.getContext().getConnection();
            return PrivilegedActionGuard.decide(session, new PrivilegedActionGuard.Request(PrivilegedActionGuard.Action.UPDATE_POLICY,
                    realm, admin, null, null, connection == null ? null : connection.getRemoteAddr()));
        } finally {
            session.getContext().setRealm(contextRealm);
        }
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return OperationalInfo.of(Map.of("path", getPath(), "feature", "declarative-ui"));
    }
}
