package org.kcbastion.it;

import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.AuditLog;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.GroupRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 18, goal 1 under role caps: a role cap shorter than the realm's lifetimes lowers the sweeper's age floor for
 * the sessions of the role's holders only, so its cost follows the sessions it may end, not the realm's size. Every
 * session of this realm is made here, so the sweeper's per-realm debug line (candidates, holders) can be read exactly.
 */
@BastionKeycloak
@DisplayName("Sweeper under short role caps: only the holders' sessions are candidates")
class RoleCapSweepIT {

    static final Duration SWEEP = Duration.ofSeconds(20);
    static TestRealm.Client app;

    @BeforeAll
    static void setUp(TestRealm realm) {
        app = realm.createClient("role-capped-app");
    }

    @AfterEach
    void resetClock(TestRealm realm) {
        realm.setClockOffset(0);
        realm.admin().logoutAll();
    }

    @Nested
    @DisplayName("Holders")
    class Holders {

        @Test
        @DisplayName("a capped role held through a composite mapped to a parent group ends the holder's idle session; "
                + "a non-holder's older session is not even a candidate")
        void holdersOnly(KeycloakServer server, TestRealm realm) {
            RealmResource admin = realm.admin();
            createCappedRole(admin, "pager", 1500);
            admin.roles().create(new RoleRepresentation("on-call-bundle", null, false));
            admin.roles().get("on-call-bundle").addComposites(List.of(admin.roles().get("pager").toRepresentation()));
            String ops = createGroup(admin, null, "ops");
            String night = createGroup(admin, ops, "night-shift");
            admin.groups().group(ops).roles().realmLevel().add(List.of(admin.roles().get("on-call-bundle").toRepresentation()));
            TestRealm.User holder = realm.createUser("night-pager", false);
            admin.users().get(holder.id()).joinGroup(night);
            TestRealm.User other = realm.createUser("day-worker", false);

            assertThat(login(realm, holder).status()).isEqualTo(200);
            assertThat(login(realm, other).status()).isEqualTo(200);
            realm.setClockOffset(1501);

            Poll.untilTrue("the sweeper ends the holder's session at the role's cap", SWEEP,
                    () -> admin.users().get(holder.id()).getUserSessions().isEmpty());
            assertThat(AuditLog.await(server, "session_limit_reached", "user_id", holder.id(), SWEEP).path("cap_source").asText())
                    .isEqualTo("role:pager");
            // Under a realm-wide floor the other session (1501 s old, 12 h cap) would be read and judged every sweep.
            awaitSweepLine(server, realm, ": 0 candidates; role caps below its lifetimes: 1 holders");
            assertThat(admin.users().get(other.id()).getUserSessions()).as("the non-holder's session lives on").hasSize(1);
        }
    }

    @Nested
    @DisplayName("Fallback")
    class Fallback {

        @Test
        @DisplayName("a capped role in the realm's default roles (everyone holds it) applies realm-wide and still ends sessions")
        void defaultRoles(KeycloakServer server, TestRealm realm) {
            RealmResource admin = realm.admin();
            createCappedRole(admin, "everyone-temp", 1200);
            String defaultRoles = "default-roles-" + realm.name().toLowerCase(java.util.Locale.ROOT);
            List<RoleRepresentation> added = List.of(admin.roles().get("everyone-temp").toRepresentation());
            admin.roles().get(defaultRoles).addComposites(added);
            try {
                TestRealm.User user = realm.createUser("new-joiner", false);
                assertThat(login(realm, user).status()).isEqualTo(200);
                realm.setClockOffset(1201);
                Poll.untilTrue("the sweeper ends the session at the default role's cap", SWEEP,
                        () -> admin.users().get(user.id()).getUserSessions().isEmpty());
                assertThat(AuditLog.await(server, "session_limit_reached", "user_id", user.id(), SWEEP).path("cap_source").asText())
                        .isEqualTo("role:everyone-temp");
                awaitSweepLine(server, realm, "; role caps below its lifetimes: realm-wide (default roles)");
            } finally {
                admin.roles().get(defaultRoles).deleteComposites(added);
                admin.roles().deleteRole("everyone-temp");
            }
        }
    }

    static Oidc.Reply login(TestRealm realm, TestRealm.User user) {
        return realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password());
    }

    static void createCappedRole(RealmResource admin, String name, int capSeconds) {
        RoleRepresentation role = new RoleRepresentation();
        role.setName(name);
        role.setAttributes(Map.of("bastion.session.maxSeconds", List.of(String.valueOf(capSeconds))));
        admin.roles().create(role);
    }

    static String createGroup(RealmResource admin, String parentId, String name) {
        GroupRepresentation group = new GroupRepresentation();
        group.setName(name);
        try (Response r = parentId == null ? admin.groups().add(group) : admin.groups().group(parentId).subGroup(group)) {
            assertThat(r.getStatus()).as("create group " + name).isIn(200, 201);
            return CreatedResponseUtil.getCreatedId(r);
        }
    }

    /** Waits for a sweep whose debug line for this realm ends with {@code tail} (written after this call began). */
    static void awaitSweepLine(KeycloakServer server, TestRealm realm, String tail) {
        String prefix = "Bastion session-limit sweep: realm " + realm.name() + ":";
        long before = server.log().lines().filter(l -> l.contains(prefix)).count();
        Poll.untilTrue("a sweep line for " + realm.name() + " ending with '" + tail + "'", SWEEP, () -> server.log().lines()
                .filter(l -> l.contains(prefix)).skip(before).anyMatch(l -> l.stripTrailing().endsWith(tail)));
    }
}
