package org.kcbastion.sessionlimits;

import org.kcbastion.core.StatelessFactory;
import org.jboss.logging.Logger;
import org.kcbastion.core.OperationalInfo;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.utils.PostMigrationEvent;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.keycloak.timer.TimerProvider;

import java.util.List;
import java.util.Map;

/**
 * The default session-limit policy ({@code default} in SPI {@code bastion-session-limit}) and its sweeper, which ends
 * sessions past their deadline even when nobody uses them. Option: {@code --spi-bastion-session-limit--default--sweep-interval=<seconds>}
 * (default 60; 0 turns the sweeper off).
 */
public final class DefaultSessionLimitProviderFactory
        implements SessionLimitProviderFactory, StatelessFactory<SessionLimitProvider>, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "default";
    static final String SWEEP_INTERVAL = "sweep-interval";
    static final int DEFAULT_SWEEP_INTERVAL = 60;
    private static final Logger LOG = Logger.getLogger(DefaultSessionLimitProviderFactory.class);

    private int sweepIntervalSeconds = DEFAULT_SWEEP_INTERVAL;
    private final DefaultSessionLimitProvider provider = new DefaultSessionLimitProvider();

    /** The provider holds no state, so one instance serves every session. */
    @Override
    public SessionLimitProvider create(KeycloakSession session) {
        return provider;
    }

    /** The one instance {@link #create} hands out, for callers that hold it past a session (the refresh provider). */
    SessionLimitProvider shared() {
        return provider;
    }

    @Override
    public void init(Config.Scope config) {
        int value = config.getInt(SWEEP_INTERVAL, DEFAULT_SWEEP_INTERVAL);
        if (value < 0 || value > 86400) {
            LOG.warnf("Bastion: %s=%d is outside 0..86400 seconds; using %d", SWEEP_INTERVAL, value, DEFAULT_SWEEP_INTERVAL);
            value = DEFAULT_SWEEP_INTERVAL;
        }
        sweepIntervalSeconds = value;
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        if (sweepIntervalSeconds == 0) return;
        factory.register(event -> {
            if (event instanceof PostMigrationEvent) {
                try (KeycloakSession session = factory.create()) {
                    session.getProvider(TimerProvider.class).schedule(new SessionLimitSweeper(factory, sweepIntervalSeconds),
                            sweepIntervalSeconds * 1000L, SessionLimitSweeper.TASK_NAME);
                }
            }
        });
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        return ProviderConfigurationBuilder.create()
                .property().name(SWEEP_INTERVAL).type(ProviderConfigProperty.INTEGER_TYPE)
                .defaultValue(DEFAULT_SWEEP_INTERVAL)
                .helpText("Seconds between sweeps that end sessions past their absolute deadline (once per cluster); "
                        + "0 turns the sweeper off.")
                .add()
                .build();
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return OperationalInfo.of(Map.of("sweep-interval-seconds", String.valueOf(sweepIntervalSeconds)));
    }
}
