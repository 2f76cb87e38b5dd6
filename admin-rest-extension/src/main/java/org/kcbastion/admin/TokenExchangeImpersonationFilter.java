package org.kcbastion.admin;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;
import org.kcbastion.core.ApiError;
import org.kcbastion.core.RequestBodies;
import org.kcbastion.core.SecurityAudit;
import org.keycloak.OAuth2Constants;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Legacy token exchange (v1, {@code --features=token-exchange}) can impersonate with {@code requested_subject},
 * outside the step-up and rate limits of the admin endpoint. Bastion refuses that path outright (403
 * {@code access_denied}); exchanges without {@code requested_subject} pass untouched. Standard token exchange (v2)
 * rejects the parameter itself, so with v1 off nothing changes.
 */
@Provider
public final class TokenExchangeImpersonationFilter implements ContainerRequestFilter {

    static final Pattern TOKEN_ENDPOINT = Pattern.compile("/?realms/([^/]+)/protocol/openid-connect/token/?");
    private static final int MAX_FORM_BYTES = 64 * 1024;

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        if (!"POST".equals(request.getMethod()) || request.getMediaType() == null
                || !request.getMediaType().isCompatible(MediaType.APPLICATION_FORM_URLENCODED_TYPE)) return;
        Matcher m = TOKEN_ENDPOINT.matcher(request.getUriInfo().getPath());
        if (!m.matches()) return;
        byte[] bytes = RequestBodies.peek(request, MAX_FORM_BYTES);
        if (bytes == null) return;
        Map<String, String> form = parse(new String(bytes, StandardCharsets.US_ASCII));
        if (!OAuth2Constants.TOKEN_EXCHANGE_GRANT_TYPE.equals(form.get(OAuth2Constants.GRANT_TYPE))
                || form.getOrDefault(OAuth2Constants.REQUESTED_SUBJECT, "").isBlank()) return;
        Map<String, Object> audit = new LinkedHashMap<>();
        audit.put("error", "token_exchange_impersonation");
        audit.put("client_id", form.get(OAuth2Constants.CLIENT_ID));
        SecurityAudit.record("impersonation_denied", m.group(1), audit);
        request.abortWith(ApiError.builder(403, "access_denied", "Impersonation through token exchange (requested_subject) "
                + "is refused by Keycloak Bastion; use the admin impersonation endpoint, which requires a step-up.", Map.of()).build());
    }

    static Map<String, String> parse(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) continue;
            try {
                form.putIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                // A malformed pair is Keycloak's to reject.
            }
        }
        return form;
    }
}
