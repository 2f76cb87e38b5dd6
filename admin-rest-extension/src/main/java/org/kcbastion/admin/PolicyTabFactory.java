package org.kcbastion.admin;

import org.kcbastion.core.AdminPaths;
import org.kcbastion.core.OperationalInfo;
import org.kcbastion.core.PolicyKey;
import org.kcbastion.core.PolicyTab;
import org.kcbastion.core.PrivilegedActionGuard;
import org.kcbastion.core.StatelessFactory;
import org.keycloak.component.ComponentModel;
import org.keycloak.component.ComponentValidationException;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.services.resources.admin.AdminRoot;
import org.keycloak.services.ui.extend.UiTabProvider;
import org.keycloak.services.ui.extend.UiTabProviderFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The "bastion-policy" tab under Realm settings in the admin console (Keycloak's declarative UI, shown with
 * {@code --features=declarative-ui}). Saving it goes through the same guard (manage-realm plus a fresh step-up) and
 * the same validation as {@code PUT bastion/policy}, then stores the policy as realm attributes.
 */
public final class PolicyTabFactory
        implements UiTabProviderFactory<ComponentModel>, StatelessFactory<UiTabProvider>, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = PolicyTab.PROVIDER_ID;

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
            ProviderConfigProperty p = new ProviderConfigProperty(key.attribute(), key.label(),
                    key.help() + " (" + key.attribute() + ")",
                    bool ? ProviderConfigProperty.BOOLEAN_TYPE : ProviderConfigProperty.STRING_TYPE, key.defaultValue());
            properties.add(p);
        }
        return properties;
    }

    /**
     * Two callers: the console saving the tab (the components endpoint), whose edit is guarded, validated and then
     * applied by {@link #onCreate}/{@link #onUpdate}; and every realm import (startup {@code --import-realm},
     * {@code kc.sh import}, {@code POST /admin/realms}), which stores the component without applying it. An imported
     * copy is never the policy: it is rewritten here to mirror the realm's attributes, with no HTTP request needed.
     */
    @Override
    public void validateConfiguration(KeycloakSession session, RealmModel realm, ComponentModel model) {
        if (!componentsRequest(session)) {
            PolicyTab.mirrorInto(realm, model);
            return;
        }
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

    private static final Pattern COMPONENTS = Pattern.compile("(.*/)?admin/realms/[^/]+/components(/[^/]+)?");

    /** A POST or PUT to the admin API's components endpoint: the console (or a script) saving the tab itself. */
    static boolean componentsRequest(KeycloakSession session) {
        try {
            var request = session.getContext().getHttpRequest();
            if (request == null || request.getUri() == null) return false;
            String method = request.getHttpMethod();
            return ("POST".equals(method) || "PUT".equals(method))
                    && COMPONENTS.matcher(AdminPaths.normalize(request.getUri().getPath())).matches();
        } catch (RuntimeException e) {
            // Outside an HTTP request (startup import, kc.sh import) Keycloak has no request to give.
            return false;
        }
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
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return OperationalInfo.of(Map.of("path", getPath(), "feature", "declarative-ui"));
    }
}
