package org.kcbastion.sessionlimits;

import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.protocol.oidc.refresh.RefreshTokenProvider;
import org.keycloak.provider.ProviderFactory;

import java.util.List;

/**
 * Where Bastion's refresh-token provider stands among Keycloak's: for every refresh token it issues or accepts, Keycloak
 * asks the enabled providers in turn, highest {@code order()} first, and the first whose {@code supports} says yes
 * handles it ({@code TokenManager.AccessTokenResponseBuilder#generateRefreshToken}, {@code RefreshTokenGrantType}). A
 * provider that ties with or outranks Bastion's may take refreshes that then skip the session caps; one that is not
 * enabled takes none. Read at boot and by the posture report.
 */
public record RefreshTokenChain(boolean bastionEnabled, List<String> aheadOrTied) {

    public static RefreshTokenChain of(KeycloakSessionFactory factory) {
        List<ProviderFactory> enabled = factory.getProviderFactoriesStream(RefreshTokenProvider.class).toList();
        ProviderFactory own = enabled.stream()
                .filter(f -> SessionLimitRefreshTokenProviderFactory.PROVIDER_ID.equals(f.getId())).findFirst().orElse(null);
        if (own == null) return new RefreshTokenChain(false, List.of());
        return new RefreshTokenChain(true, enabled.stream().filter(f -> f != own && f.order() >= own.order())
                .map(f -> f.getId() + " (order " + f.order() + ")").sorted().toList());
    }

    /** Bastion's provider is enabled and no other one ties with or outranks it. */
    public boolean bastionFirst() {
        return bastionEnabled && aheadOrTied.isEmpty();
    }
}
