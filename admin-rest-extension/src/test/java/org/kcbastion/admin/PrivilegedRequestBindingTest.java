package org.kcbastion.admin;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.kcbastion.core.ResourceMethods;
import org.keycloak.protocol.oidc.endpoints.TokenEndpoint;
import org.keycloak.services.resources.admin.UserResource;

import java.lang.reflect.Method;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Which resource methods get sudo mode's filter (and the credential-change filter's PUT rule) when Keycloak deploys. */
class PrivilegedRequestBindingTest {

    /** Stands in for resource methods as Keycloak declares them. */
    @SuppressWarnings("unused")
    static final class Endpoints {
        @GET public void read() { }
        @GET @HEAD public void readOrHead() { }
        @PUT public void update() { }
        @POST public void create() { }
        /** No designator of its own: a locator, or one inherited from an interface. */
        public void undeclared() { }
    }

    private static Method m(String name) throws NoSuchMethodException {
        return Endpoints.class.getMethod(name);
    }

    @Test
    @DisplayName("writes, and methods whose own annotations do not say what they serve, are bound")
    void writesAndUndeclaredMethodsAreBound() throws Exception {
        assertThat(PrivilegedRequestBinding.binds(UserResource.class, m("update"))).isTrue();
        assertThat(PrivilegedRequestBinding.binds(UserResource.class, m("create"))).isTrue();
        assertThat(PrivilegedRequestBinding.binds(UserResource.class, m("undeclared"))).isTrue();
    }

    @Test
    @DisplayName("reads and OIDC's protocol endpoints (the token endpoint) are not")
    void readsAndOidcEndpointsAreNot() throws Exception {
        assertThat(PrivilegedRequestBinding.binds(UserResource.class, m("read"))).isFalse();
        assertThat(PrivilegedRequestBinding.binds(UserResource.class, m("readOrHead"))).isFalse();
        assertThat(PrivilegedRequestBinding.binds(TokenEndpoint.class, TokenEndpoint.class.getMethod("processGrantRequest"))).isFalse();
    }

    @Test
    @DisplayName("Keycloak's own reset-password endpoint is read as a PUT")
    void keycloaksOwnCredentialEndpointsAreBoundForTheirMethod() throws Exception {
        Method reset = UserResource.class.getMethod("resetPassword", org.keycloak.representations.idm.CredentialRepresentation.class);
        assertThat(ResourceMethods.designators(reset)).isEqualTo(Set.of("PUT"));
        assertThat(PrivilegedRequestBinding.binds(UserResource.class, reset)).isTrue();
        assertThat(ResourceMethods.mayServe(reset, "PUT")).isTrue();
        assertThat(ResourceMethods.mayServe(m("create"), "PUT")).isFalse();
        assertThat(ResourceMethods.mayServe(m("undeclared"), "PUT")).isTrue();
    }
}
