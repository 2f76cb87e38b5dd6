package org.kcbastion.events;

import org.kcbastion.core.InternalSpi;

/** Registers {@code bastion-credential-change}: Bastion's own, not meant to be replaced. */
public final class CredentialChangeFlowSpi extends InternalSpi {

    public static final String NAME = "bastion-credential-change";

    public CredentialChangeFlowSpi() {
        super(NAME, CredentialChangeFlow.class, CredentialChangeFlowFactory.class);
    }
}
