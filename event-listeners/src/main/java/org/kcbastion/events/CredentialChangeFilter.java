package org.kcbastion.events;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import org.kcbastion.core.RequestBodies;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.util.JsonSerialization;
import org.keycloak.utils.KeycloakSessionUtil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Steps 1 and 4 of {@link CredentialChangeFlow}. Sees the two admin credential changes that the admin event alone
 * cannot tell apart:
 * <ul>
 * <li>{@code PUT users/{id}} with {@code credentials} in the body: Keycloak strips them from the event's
 * representation, so the request is marked here and the listener revokes on the event;</li>
 * <li>{@code PUT users/{id}/disable-credential-types}: Keycloak emits no admin event at all, so a successful response
 * revokes here, still inside the request's transaction.</li>
 * </ul>
 * Bodies it cannot parse are left to Keycloak, which answers 400; nothing is revoked then. Bound by {@link
 * CredentialChangeBinding} to the resource methods that may serve a PUT: other requests never reach it.
 */
final class CredentialChangeFilter implements ContainerRequestFilter, ContainerResponseFilter {

    @Override
    public void filter(ContainerRequestContext request) {
        String method = request.getMethod();
        // Both credential changes are PUTs; a method whose annotations do not say what it serves is bound too.
        if (!"PUT".equals(method)) return;
        String path = request.getUriInfo().getPath();
        Optional<String[]> update = CredentialChange.userUpdateRequest(method, path);
        Optional<String[]> disable = CredentialChange.disableCredentialTypesRequest(method, path);
        if (update.isEmpty() && disable.isEmpty()) return;
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        JsonNode body = readBody(request);
        if (session == null || body == null) return;

        update.ifPresent(ids -> {
            JsonNode credentials = body.path("credentials");
            if (!credentials.isArray() || credentials.isEmpty()) return;
            List<String> types = new ArrayList<>();
            for (JsonNode c : credentials) {
                // Keycloak stores a credential without a type as a password.
                String type = c.path("type").asText("");
                if (type.isBlank()) type = "password";
                if (!types.contains(type)) types.add(type);
            }
            CredentialChangeFlow.of(session).updateCarriesCredentials(ids[1], types);
        });
        disable.ifPresent(ids -> {
            RealmModel realm = session.realms().getRealmByName(ids[0]);
            UserModel user = realm == null ? null : session.users().getUserById(realm, ids[1]);
            if (user == null || !body.isArray()) return;
            List<String> stored = new ArrayList<>();
            for (JsonNode type : body) {
                if (type.isTextual() && !stored.contains(type.asText())
                        && user.credentialManager().getStoredCredentialsByTypeStream(type.asText()).findAny().isPresent()) {
                    stored.add(type.asText());
                }
            }
            if (stored.isEmpty()) return;
            CredentialChangeFlow.of(session).disablesCredentials(ids[1], stored);
        });
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        // The method first: it is a field read, the status needs the response built.
        if (!"PUT".equals(request.getMethod()) || response.getStatus() / 100 != 2) return;
        CredentialChange.disableCredentialTypesRequest(request.getMethod(), request.getUriInfo().getPath()).ifPresent(ids -> {
            KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
            if (session != null) CredentialChangeFlow.of(session).responded(ids[0], ids[1]);
        });
    }

    /** Reads the JSON body and puts the bytes back for the endpoint; null when there is none or it is not JSON. */
    private static JsonNode readBody(ContainerRequestContext request) {
        byte[] bytes;
        try {
            bytes = RequestBodies.peek(request, Integer.MAX_VALUE - 8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes == null) return null;
        try {
            return JsonSerialization.readValue(bytes, JsonNode.class);
        } catch (IOException e) {
            return null;
        }
    }
}
