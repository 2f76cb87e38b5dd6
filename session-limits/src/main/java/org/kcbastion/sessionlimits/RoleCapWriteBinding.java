package org.kcbastion.sessionlimits;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.ext.Provider;
import org.kcbastion.core.AdminPaths;
import org.kcbastion.core.Ids;
import org.kcbastion.core.ResourceMethods;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.utils.KeycloakSessionUtil;

import java.lang.reflect.Method;

/**
 * Keeps {@link RoleCapIndex} current: binds a request filter, when Keycloak deploys its endpoints, to every admin API
 * write that can set a role's attributes: a method that takes one role's representation (create a realm or client
 * role, update a role by name or by id) and the realm's partial import. The filter drops the target realm's cached
 * copy on every node in the request's own transaction, so the write and the invalidation commit together; a write
 * Keycloak then refuses costs one reload of the realm. Role mappings and composites take lists of roles and are not
 * bound: they change which roles a user holds, which Keycloak resolves per request anyway, and they are frequent.
 */
@Provider
public final class RoleCapWriteBinding implements DynamicFeature {

    private static final ContainerRequestFilter FILTER = new Invalidation();

    @Override
    public void configure(ResourceInfo resourceInfo, FeatureContext context) {
        if (binds(resourceInfo.getResourceMethod())) context.register(FILTER);
    }

    static boolean binds(Method method) {
        if (method == null || ResourceMethods.onlyReads(method)) return false;
        if ("partialImport".equals(method.getName())) return true;
        for (Class<?> type : method.getParameterTypes()) {
            if (RoleRepresentation.class.isAssignableFrom(type)) return true;
        }
        return false;
    }

    /** Drops the cached copy of the realm the path names ({@code admin/realms/{realm}/...}). Stateless: one serves all. */
    static final class Invalidation implements ContainerRequestFilter {
        @Override
        public void filter(ContainerRequestContext request) {
            String method = request.getMethod();
            if ("GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method)) return;
            String realmName = AdminPaths.realmName(AdminPaths.segments(request));
            KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
            if (session == null || realmName == null || !Ids.plausible(realmName)) return;
            RealmModel realm = session.realms().getRealmByName(realmName);
            if (realm != null) RoleCapIndex.invalidate(session, realm);
        }
    }
}
