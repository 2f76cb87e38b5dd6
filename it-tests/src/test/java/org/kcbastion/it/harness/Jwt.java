package org.kcbastion.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import org.keycloak.jose.jws.JWSInput;
import org.keycloak.jose.jws.JWSInputException;

/** Reads the claims of a JWT without verifying it (Keycloak's {@link JWSInput}): tests inspect tokens Keycloak issued. */
public final class Jwt {

    private Jwt() {
    }

    public static JsonNode claims(String jwt) {
        try {
            return new JWSInput(jwt).readJsonContent(JsonNode.class);
        } catch (JWSInputException e) {
            throw new IllegalArgumentException("not a JWT", e);
        }
    }
}
