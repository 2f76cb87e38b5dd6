package org.kcbastion.admin;

import jakarta.ws.rs.core.Response;
import org.kcbastion.core.ApiError;
import org.kcbastion.core.SecurityAudit;
import org.keycloak.OAuth2Constants;
import org.keycloak.events.Details;
import org.keycloak.events.Errors;
import org.keycloak.protocol.oidc.TokenExchangeContext;
import org.keycloak.protocol.oidc.TokenExchangeProvider;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Claims every token exchange that names a {@code requested_subject} and refuses it (403 {@code access_denied}):
 * legacy token exchange (v1) would impersonate that user outside the step-up and rate limits of the admin endpoint.
 * Keycloak asks exchange providers in order, and this one comes first; exchanges without the parameter go on to
 * Keycloak's own providers. It reads Keycloak's parsed form, so no request body is read twice and no padding can
 * hide the parameter.
 */
final class ImpersonationExchangeRefusal implements TokenExchangeProvider {

    @Override
    public boolean supports(TokenExchangeContext context) {
        String subject = context.getFormParams().getFirst(OAuth2Constants.REQUESTED_SUBJECT);
        return subject != null && !subject.isBlank();
    }

    @Override
    public Response exchange(TokenExchangeContext context) {
        Map<String, Object> audit = new LinkedHashMap<>();
        audit.put("error", "token_exchange_impersonation");
        audit.put("client_id", context.getClient() == null ? null : context.getClient().getClientId());
        audit.put("ip", context.getClientConnection() == null ? null : context.getClientConnection().getRemoteAddr());
        SecurityAudit.record("impersonation_denied", context.getRealm().getName(), audit);
        context.getEvent().detail(Details.REASON, "token_exchange_impersonation").error(Errors.NOT_ALLOWED);
        return context.getCors().add(ApiError.builder(403, "access_denied", "Impersonation through token exchange "
                + "(requested_subject) is refused by Keycloak Bastion; use the admin impersonation endpoint, which requires a step-up.",
                Map.of()));
    }

    @Override
    public void close() {
    }
}
