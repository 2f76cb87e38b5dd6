package org.kcbastion.core;

/** Registers {@code bastion-impersonation}: Bastion's own, not meant to be replaced. */
public final class ImpersonationFlowSpi extends InternalSpi {

    public static final String NAME = "bastion-impersonation";

    public ImpersonationFlowSpi() {
        super(NAME, ImpersonationFlow.class, ImpersonationFlowFactory.class);
    }
}
