package org.kcbastion.core;

import org.keycloak.component.ComponentModel;
import org.keycloak.models.RealmModel;

import java.util.Objects;

/**
 * The admin console's bastion-policy tab keeps its form in a component's config; the realm attributes are the
 * policy. This keeps the form a mirror of the attributes (after {@code PUT policy}, a realm update, an import), so
 * the tab never shows, and never writes back, a stale copy.
 */
public final class PolicyTab {

    public static final String PROVIDER_ID = "bastion-policy";
    /** {@code org.keycloak.services.ui.extend.UiTabProvider}, by name: the tab's component type. */
    public static final String COMPONENT_TYPE = "org.keycloak.services.ui.extend.UiTabProvider";

    private PolicyTab() {
    }

    /**
     * The console's form stores a property named {@code a.b} under {@code a🍺b} (react-hook-form reads dots as nesting),
     * so the saved config uses that spelling.
     */
    public static String formKey(PolicyKey key) {
        return key.attribute().replace(".", "\uD83C\uDF7A");
    }

    /** What the form shows for {@code key}: the realm's stored value, else the default. */
    public static String shown(RealmModel realm, PolicyKey key) {
        String stored = realm.getAttribute(key.attribute());
        return stored == null || stored.isBlank() ? key.defaultValue() : stored;
    }

    /**
     * Makes {@code model} (a tab component about to be stored) a mirror of the realm's policy.
     *
     * @return whether anything changed
     */
    public static boolean mirrorInto(RealmModel realm, ComponentModel model) {
        boolean changed = false;
        for (PolicyKey key : PolicyKey.values()) {
            String shown = shown(realm, key);
            // Under the declared property name: Keycloak's component REST representation, which the console reads
            // and writes, keeps only declared config keys. The old form spelling is dropped so that no stale copy
            // can be read back.
            if (!Objects.equals(model.getConfig().getFirst(key.attribute()), shown)) {
                model.getConfig().putSingle(key.attribute(), shown);
                changed = true;
            }
            if (model.getConfig().containsKey(formKey(key))) {
                model.getConfig().remove(formKey(key));
                changed = true;
            }
        }
        return changed;
    }

    /** Copies the realm's policy into every bastion-policy tab component of the realm that differs from it. */
    public static void mirror(RealmModel realm) {
        realm.getComponentsStream(realm.getId(), COMPONENT_TYPE)
                .filter(c -> PROVIDER_ID.equals(c.getProviderId()))
                .toList()
                .forEach(c -> {
                    ComponentModel copy = new ComponentModel(c);
                    boolean changed = mirrorInto(realm, copy);
                    if (changed) realm.updateComponent(copy);
                });
    }
}
