package org.kcbastion.events;

import org.kcbastion.core.StatelessFactory;
import org.jboss.logging.Logger;
import org.kcbastion.core.BastionKeys;
import org.kcbastion.core.BastionMetrics;
import org.kcbastion.core.Digests;
import org.kcbastion.core.EmbeddedCaches;
import org.kcbastion.core.OperationalInfo;
import org.keycloak.Config;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.models.utils.PostMigrationEvent;
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
 * Without one, a server with clustered caches refuses to start: each node would draw its own key, so rate limits
 * would count per node and audit digests would not match across nodes. A single node with local caches draws a
 * random key per process and warns.
 */
public final class SecurityEventListenerProviderFactory
        implements EventListenerProviderFactory, StatelessFactory<EventListenerProvider>, ServerInfoAwareProviderFactory, BastionKeys {

    public static final String PROVIDER_ID = BastionKeys.OWNER_ID;
    static final String HMAC_KEY = "hmac-key";
    static final String ENV_VAR = "KC_SPI_EVENTS_LISTENER__BASTION_SECURITY__HMAC_KEY";
    static final String CLUSTERED_WITHOUT_KEY = "Bastion: Keycloak runs clustered caches and no HMAC key is configured";
    private static final Logger LOG = Logger.getLogger(SecurityEventListenerProviderFactory.class);

    private Digests digests;
    private String keySource;
    private boolean keyConfigured;

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
            keyConfigured = false;
            LOG.warnf("Bastion: no %s configured; digests in audit lines are stable only until this server restarts. "
                    + "Set --spi-events-listener--%s--%s or %s.", HMAC_KEY, PROVIDER_ID, HMAC_KEY, ENV_VAR);
        } else {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < Digests.MIN_KEY_BYTES) {
                throw new IllegalArgumentException("Bastion: " + HMAC_KEY + " must have at least "
                        + Digests.MIN_KEY_BYTES + " bytes");
            }
            digests = new Digests(bytes);
            keySource = "server configuration";
            keyConfigured = true;
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
        // Every counter of every realm exists from the start (at zero), so alerts can use rate() without absent().
        factory.register(event -> {
            if (event instanceof PostMigrationEvent) {
                BastionMetrics.registerServer();
                KeycloakModelUtils.runJobInTransaction(factory, s -> s.realms().getRealmsStream()
                        .forEach(r -> BastionMetrics.registerRealm(r.getName())));
            } else if (event instanceof RealmModel.RealmPostCreateEvent created) {
                BastionMetrics.registerRealm(created.getCreatedRealm().getName());
            }
        });
        if (keyConfigured) return;
        boolean clustered;
        try (KeycloakSession session = factory.create()) {
            clustered = EmbeddedCaches.clustered(session).orElse(true);
        }
        if (clustered) {
            // Thrown from postInit, this stops Keycloak's start: limits that silently count per node are worse than none.
            throw new IllegalStateException(CLUSTERED_WITHOUT_KEY + " (or Bastion cannot tell whether its caches are local). "
                    + "Each node would draw its own key, so rate limits would count per node and audit digests would differ. "
                    + "Give every node the same key of at least " + Digests.MIN_KEY_BYTES + " bytes: --spi-events-listener--"
                    + PROVIDER_ID + "--" + HMAC_KEY + "=<key>, the environment variable " + ENV_VAR + " (a Kubernetes Secret "
                    + "through env.valueFrom.secretKeyRef), or Keycloak's config keystore (alias kc.spi-events-listener--"
                    + PROVIDER_ID + "--" + HMAC_KEY + "). A single node may run with --cache=local instead.");
        }
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
