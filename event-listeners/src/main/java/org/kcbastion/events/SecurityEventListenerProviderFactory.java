package org.kcbastion.events;

import org.jboss.logging.Logger;
import org.kcbastion.core.BastionKeys;
import org.kcbastion.core.Digests;
import org.kcbastion.core.OperationalInfo;
import org.keycloak.Config;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;

/**
 * {@code bastion-security}: global, so installing the JAR is enough; each realm's policy decides what it does there.
 * It also owns Bastion's HMAC key ({@code --spi-events-listener--bastion-security--hmac-key}, at least 32 characters).
 */
public final class SecurityEventListenerProviderFactory
        implements EventListenerProviderFactory, ServerInfoAwareProviderFactory, BastionKeys {

    public static final String PROVIDER_ID = BastionKeys.OWNER_ID;
    static final String HMAC_KEY = "hmac-key";
    private static final Logger LOG = Logger.getLogger(SecurityEventListenerProviderFactory.class);

    private Digests digests;
    private String keySource;

    @Override
    public EventListenerProvider create(KeycloakSession session) {
        return new SecurityEventListener(session);
    }

    @Override
    public void init(Config.Scope config) {
        String key = config.get(HMAC_KEY);
        if (key == null || key.isBlank()) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            digests = new Digests(random);
            keySource = "random per process (set " + HMAC_KEY + ")";
            LOG.warnf("Bastion: no %s configured; digests in audit lines are stable only until this server restarts "
                    + "and differ between cluster nodes. Set --spi-events-listener--%s--%s.", HMAC_KEY, PROVIDER_ID, HMAC_KEY);
        } else {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < Digests.MIN_KEY_BYTES) {
                throw new IllegalArgumentException("Bastion: " + HMAC_KEY + " must have at least "
                        + Digests.MIN_KEY_BYTES + " bytes");
            }
            digests = new Digests(bytes);
            keySource = "server configuration";
        }
    }

    @Override
    public Digests digests() {
        return digests;
    }

    @Override
    public boolean isGlobal() {
        return true;
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
    public List<ProviderConfigProperty> getConfigMetadata() {
        return ProviderConfigurationBuilder.create()
                .property().name(HMAC_KEY).type(ProviderConfigProperty.PASSWORD)
                .helpText("Key of the HMAC-SHA256 digests Bastion writes instead of session and token ids "
                        + "(at least 32 bytes; the same on every node). Random per process when unset.")
                .add()
                .build();
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return OperationalInfo.of(Map.of("hmac-key-source", keySource, "global", "true"));
    }
}
