package org.kcbastion.sessionlimits;

import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.protocol.oidc.refresh.RefreshTokenProvider;
import org.keycloak.provider.ProviderFactory;

import java.util.List;

/**
 * Where Bastion's refresh-token provider stands among Keycloak's: for every refresh token it issues or accepts, Keycloak
 * asks the enabled providers in turn, highest {@code order()} first, and the first whose {@code supports} says yes
 * handles it ({@code TokenManager.AccessTokenResponseBuilder#generateRefreshToken}, {@code RefreshTokenGrantType}); ties
 * keep the order of Keycloak's provider map, which nothing defines. A provider that outranks Bastion's takes the
 * refreshes it supports, and they skip the session caps; one that ties may do so, or never be asked (Bastion's supports
 * every token, so the other one then never issues its own). Read at boot and by the posture report.
 */
public record RefreshTokenChain(boolean bastionEnabled, List<String> aheadOrTied) {

    /** What providers in {@link #aheadOrTied} mean, for the boot log and the posture report. */
    public static final String CONSEQUENCE = "have Bastion's order (" + SessionLimitRefreshTokenProviderFactory.ORDER
            + ") or a higher one: Keycloak asks the highest order first and breaks ties in no defined order, so the refreshes "
            + "they support may skip the session caps, or, on a tie, they may never issue their own tokens";
    public static final String REMEDY = "Disable them (--spi-refresh-token--<id>--enabled=false) unless you need them";
    /** What no enabled provider of SPI {@code bastion-session-limit} means, for the boot log and the posture report. */
    public static final String NO_SESSION_LIMIT_PROVIDER = "No provider of SPI " + SessionLimitSpi.NAME + " is enabled (disabled, "
            + "or an unknown --spi-" + SessionLimitSpi.NAME + "--provider): token requests keep Bastion's default session-limit "
            + "policy, but no sweeper runs, so an idle session past its cap ends only at its next refresh";
    public static final String NO_SESSION_LIMIT_PROVIDER_REMEDY = "Remove --spi-" + SessionLimitSpi.NAME + "--default--enabled=false "
            + "(or the unknown --spi-" + SessionLimitSpi.NAME + "--provider); relax caps in the realm's policy instead, and stop "
            + "the sweeper with --spi-" + SessionLimitSpi.NAME + "--default--sweep-interval=0";

    public static RefreshTokenChain of(KeycloakSessionFactory factory) {
        List<ProviderFactory> enabled = factory.getProviderFactoriesStream(RefreshTokenProvider.class).toList();
        ProviderFactory own = enabled.stream()
                .filter(f -> SessionLimitRefreshTokenProviderFactory.PROVIDER_ID.equals(f.getId())).findFirst().orElse(null);
        if (own == null) return new RefreshTokenChain(false, List.of());
        return new RefreshTokenChain(true, enabled.stream().filter(f -> f != own && f.order() >= own.order())
                .map(f -> f.getId() + " (order " + f.order() + ")").sorted().toList());
    }

    /** {@link #aheadOrTied} as one line: {@code none} when it is empty. */
    public String describe() {
        return aheadOrTied.isEmpty() ? "none" : String.join(", ", aheadOrTied);
    }

    /** Bastion's provider is enabled and no other one ties with or outranks it. */
    public boolean bastionFirst() {
        return bastionEnabled && aheadOrTied.isEmpty();
    }
}
