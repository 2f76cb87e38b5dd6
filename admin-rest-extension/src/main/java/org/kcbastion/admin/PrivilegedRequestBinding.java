package org.kcbastion.admin;

import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.ext.Provider;
import org.kcbastion.core.ResourceMethods;
import org.keycloak.protocol.oidc.endpoints.TokenEndpoint;

import java.lang.reflect.Method;

/**
 * Binds {@link PrivilegedRequestFilter} when Keycloak deploys its endpoints: to every resource method that may serve a
 * write, except OIDC's protocol endpoints (token, authorization, logout, ...), which never serve the admin API and
 * carry a server's bulk traffic. A global filter ran on each of those requests to test its path (JFR under refresh
 * load: 5 of Bastion's 28 samples in session 14). The filter still tests the path, so binding it too widely changes
 * nothing; a method whose annotations do not say what it serves is bound.
 */
@Provider
public final class PrivilegedRequestBinding implements DynamicFeature {

    private static final String OIDC_ENDPOINTS = TokenEndpoint.class.getPackageName();

    @Override
    public void configure(ResourceInfo resourceInfo, FeatureContext context) {
        Class<?> resourceClass = resourceInfo.getResourceClass();
        Method method = resourceInfo.getResourceMethod();
        if (binds(resourceClass, method)) context.register(new PrivilegedRequestFilter(resourceClass, method));
    }

    static boolean binds(Class<?> resourceClass, Method method) {
        if (resourceClass == null || method == null) return false;
        return !ResourceMethods.onlyReads(method) && !OIDC_ENDPOINTS.equals(resourceClass.getPackageName());
    }
}
