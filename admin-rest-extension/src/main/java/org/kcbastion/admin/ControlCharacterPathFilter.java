package org.kcbastion.admin;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import org.kcbastion.core.ApiError;

/**
 * Keycloak's admin resources look ids up while the request is still being matched (sub-resource locators), before any
 * ordinary filter runs; on PostgreSQL an id with a NUL byte then fails inside the database driver and Keycloak answers
 * 500. No Keycloak name or id holds control characters, so such admin requests get a 404 before matching.
 */
@Provider
@PreMatching
public final class ControlCharacterPathFilter implements ContainerRequestFilter {

    @Override
    public void filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/admin/realms/") && !path.startsWith("admin/realms/")) return;
        for (PathSegment segment : request.getUriInfo().getPathSegments()) {
            if (segment.getPath().chars().anyMatch(Character::isISOControl)) {
                request.abortWith(ApiError.response(Response.Status.NOT_FOUND, "not_found",
                        "No resource with this name or id (it holds control characters)"));
                return;
            }
        }
    }
}
