package org.kcbastion.it.harness;

import jakarta.ws.rs.core.Response;
import org.keycloak.OAuth2Constants;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;

import java.util.List;

/**
 * The harness's way to write Bastion policy attributes as raw realm attributes: a master service account with the
 * {@code admin} role. Bastion's guard asks a person for a fresh step-up before a realm update changes the policy;
 * a service account has no session to step up in and passes on its permission alone, as any automation does.
 */
final class PolicyAutomation {

    static final String CLIENT_ID = "bastion-it-automation";
    static final String SECRET = "bastion-it-automation-secret-0123456789";

    private PolicyAutomation() {
    }

    /** An admin client signed in as the service account, created in master the first time. */
    static Keycloak on(KeycloakServer server) {
        RealmResource master = server.admin().realm("master");
        if (master.clients().findByClientId(CLIENT_ID).isEmpty()) {
            ClientRepresentation c = new ClientRepresentation();
            c.setClientId(CLIENT_ID);
            c.setPublicClient(false);
            c.setSecret(SECRET);
            c.setServiceAccountsEnabled(true);
            c.setStandardFlowEnabled(false);
            c.setDirectAccessGrantsEnabled(false);
            String id;
            try (Response r = master.clients().create(c)) {
                id = CreatedResponseUtil.getCreatedId(r);
            }
            String serviceAccount = master.clients().get(id).getServiceAccountUser().getId();
            master.users().get(serviceAccount).roles().realmLevel().add(List.of(master.roles().get("admin").toRepresentation()));
        }
        return KeycloakBuilder.builder().serverUrl(server.baseUrl()).realm("master")
                .grantType(OAuth2Constants.CLIENT_CREDENTIALS).clientId(CLIENT_ID).clientSecret(SECRET).build();
    }
}
