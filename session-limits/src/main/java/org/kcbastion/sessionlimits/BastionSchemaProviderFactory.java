package org.kcbastion.sessionlimits;

import org.kcbastion.core.OperationalInfo;
import org.kcbastion.core.StatelessFactory;
import org.keycloak.connections.jpa.entityprovider.JpaEntityProvider;
import org.keycloak.connections.jpa.entityprovider.JpaEntityProviderFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import java.util.List;
import java.util.Map;

/**
 * Bastion's schema in Keycloak's database, through Keycloak's own migration: at start Keycloak applies
 * {@value #CHANGELOG} (Liquibase, tracked in its own table {@code DATABASECHANGELOG_BASTION_SC}) as it applies its
 * own changelogs, and honours {@code --spi-connections-jpa--quarkus--migration-strategy} (manual exports the SQL).
 * No JPA entities: Bastion reads its one table with plain SQL, so nothing is added to Keycloak's persistence unit.
 */
public final class BastionSchemaProviderFactory
        implements JpaEntityProviderFactory, StatelessFactory<JpaEntityProvider>, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "bastion-schema";
    static final String CHANGELOG = "META-INF/bastion-changelog.xml";

    @Override
    public JpaEntityProvider create(KeycloakSession session) {
        return new JpaEntityProvider() {
            @Override
            public List<Class<?>> getEntities() {
                return List.of();
            }

            @Override
            public String getChangelogLocation() {
                return CHANGELOG;
            }

            @Override
            public String getFactoryId() {
                return PROVIDER_ID;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return OperationalInfo.of(Map.of("changelog", CHANGELOG));
    }
}
