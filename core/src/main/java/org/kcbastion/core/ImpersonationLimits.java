package org.kcbastion.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The three impersonation rate limits. Written as {@code admin=5/15m,ip=20/15m,target=3/1h}; a scope left out keeps
 * its default, so {@code admin=2/1h} only tightens the per-admin limit.
 */
public record ImpersonationLimits(RateLimit perAdmin, RateLimit perIp, RateLimit perTarget) {

    public static final ImpersonationLimits DEFAULT = new ImpersonationLimits(
            RateLimit.parse("5/15m"), RateLimit.parse("20/15m"), RateLimit.parse("3/1h"));

    public static ImpersonationLimits parse(String text) {
        Map<String, RateLimit> scopes = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) continue;
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("'" + part.trim() + "' must be scope=N/window with scope admin, ip or target");
            }
            String scope = part.substring(0, eq).trim();
            if (!scope.equals("admin") && !scope.equals("ip") && !scope.equals("target")) {
                throw new IllegalArgumentException("unknown scope '" + scope + "' (use admin, ip or target)");
            }
            if (scopes.put(scope, RateLimit.parse(part.substring(eq + 1))) != null) {
                throw new IllegalArgumentException("scope '" + scope + "' is given twice");
            }
        }
        return new ImpersonationLimits(
                scopes.getOrDefault("admin", DEFAULT.perAdmin),
                scopes.getOrDefault("ip", DEFAULT.perIp),
                scopes.getOrDefault("target", DEFAULT.perTarget));
    }

    @Override
    public String toString() {
        return "admin=" + perAdmin + ",ip=" + perIp + ",target=" + perTarget;
    }
}
