package org.kcbastion.authenticators;

import org.kcbastion.core.StatelessFactory;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel.Requirement;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import java.util.List;

/**
 * What Bastion's authenticators share: a step with no settings of its own (the realm's policy configures them) that
 * is either REQUIRED or off (an optional security check would be a check an attacker may skip), and that a user
 * cannot set up.
 */
abstract class RequiredStepFactory implements AuthenticatorFactory, StatelessFactory<Authenticator>, ServerInfoAwareProviderFactory {

    @Override
    public final boolean isConfigurable() {
        return false;
    }

    @Override
    public final Requirement[] getRequirementChoices() {
        return new Requirement[]{Requirement.REQUIRED, Requirement.DISABLED};
    }

    @Override
    public final boolean isUserSetupAllowed() {
        return false;
    }

    @Override
    public final List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }
}
