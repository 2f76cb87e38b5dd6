package org.kcbastion.events;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.ext.Provider;
import org.kcbastion.core.ResourceMethods;

/**
 * Binds {@link CredentialChangeFilter} when Keycloak deploys its endpoints: to every resource method that may serve a
 * PUT, the method of both credential changes it watches. As a global filter its response side ran on every response
 * of the server to test the method (JFR under refresh load: 3 of Bastion's 28 samples in session 14).
 */
@Provider
public final class CredentialChangeBinding implements DynamicFeature {

    private static final CredentialChangeFilter FILTER = new CredentialChangeFilter();

    @Override
    public void configure(ResourceInfo resourceInfo, FeatureContext context) {
        if (ResourceMethods.mayServe(resourceInfo.getResourceMethod(), HttpMethod.PUT)) context.register(FILTER);
    }
}
