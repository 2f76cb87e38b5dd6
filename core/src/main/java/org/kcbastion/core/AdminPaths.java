package org.kcbastion.core;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.PathSegment;

import java.util.ArrayList;
import java.util.List;

/**
 * The one place that turns an admin path, as a request or an admin event spells it, into the form Bastion's patterns
 * match. Keycloak routes {@code users/{id}/reset-password/} to the same method as {@code users/{id}/reset-password}
 * and records the admin event with the slash; it answers {@code //}, matrix parameters and encoded letters with 400
 * before any resource runs. So the only spelling left to fold is slashes at either end.
 */
public final class AdminPaths {

    private AdminPaths() {
    }

    /** {@code path} without leading and trailing slashes; null stays null. */
    public static String normalize(String path) {
        if (path == null) return null;
        int from = 0;
        int to = path.length();
        while (from < to && path.charAt(from) == '/') from++;
        while (to > from && path.charAt(to - 1) == '/') to--;
        return path.substring(from, to);
    }

    /**
     * The request path's segments, decoded, without empty ones ({@code //} and a trailing slash name the same
     * endpoint): {@code admin/realms/{realm}/...} as a list.
     */
    public static List<String> segments(ContainerRequestContext request) {
        List<String> out = new ArrayList<>();
        for (PathSegment segment : request.getUriInfo().getPathSegments()) {
            if (!segment.getPath().isEmpty()) out.add(segment.getPath());
        }
        return out;
    }

    /** The realm an admin API path names ({@code admin/realms/{realm}/...}); null for every other path. */
    public static String realmName(List<String> segments) {
        return segments.size() > 2 && "admin".equals(segments.get(0)) && "realms".equals(segments.get(1)) ? segments.get(2) : null;
    }
}
