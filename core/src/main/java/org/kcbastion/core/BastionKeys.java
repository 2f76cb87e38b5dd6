package org.kcbastion.core;

import org.keycloak.events.EventListenerProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.ProviderFactory;

/**
 * Where Bastion's HMAC key lives: the {@code bastion-security} listener factory reads it from server config once
 * ({@code --spi-events-listener--bastion-security--hmac-key}), and every other Bastion component asks it here, so
 * there is one key per server and no key in the database.
 */
public interface BastionKeys {

    /** Provider id of the factory that owns the key. */
    String OWNER_ID = "bastion-security";

    Digests digests();

    static Digests digests(KeycloakSession session) {
        ProviderFactory<EventListenerProvider> factory = session.getKeycloakSessionFactory()
                .getProviderFactory(EventListenerProvider.class, OWNER_ID);
        if (factory instanceof BastionKeys keys) {
            return keys.digests();
        }
        throw new IllegalStateException("The " + OWNER_ID + " event listener is not installed");
    }
}
