package org.kcbastion.sessionlimits;

import jakarta.persistence.EntityManager;
import org.keycloak.connections.jpa.JpaConnectionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The users a realm's short role caps can apply to, read from Keycloak's own tables, so the sweeper lowers the age
 * floor for their sessions only: a 15-minute cap on an admin role held by five users must not make every session of
 * the realm older than 15 minutes a candidate. A user holds a role the way {@code RoleUtils.getDeepUserRoleMappings}
 * sees it: mapped directly, or through a composite that contains it, or through a group that maps it (or one of the
 * group's ancestors does). Where that cannot be read from the tables, or would be as large as the realm, the floor
 * applies realm-wide as before, and {@link #realmWideReason} says why.
 */
final class RoleCapHolders {

    /** Beyond this many holders a per-user list costs more than it saves: the floor applies realm-wide. */
    static final int MAX_HOLDERS = 10_000;
    private static final int MAX_ROLES = 1_000;
    private static final int MAX_GROUPS = 10_000;
    /** Composite and group hierarchies deeper than this are treated as unknown (realm-wide), never cut short. */
    private static final int MAX_DEPTH = 64;
    /** The provider type of Keycloak's user-storage components (LDAP, Kerberos, custom user federation). */
    private static final String USER_STORAGE = "org.keycloak.storage.UserStorageProvider";
    /** Ids per IN list: well under every database's bind-parameter limit. */
    static final int CHUNK = 1_000;

    private static final String PARENT_ROLES = "SELECT c.parentRole.id FROM CompositeRoleEntity c WHERE c.childRole.id IN :ids";
    private static final String MAPPING_GROUPS = "SELECT m.group.id FROM GroupRoleMappingEntity m WHERE m.roleId IN :ids";
    private static final String CHILD_GROUPS = "SELECT g.id FROM GroupEntity g WHERE g.parentId IN :ids";
    private static final String DIRECT_HOLDERS = "SELECT m.user.id FROM UserRoleMappingEntity m WHERE m.roleId IN :ids";
    private static final String GROUP_MEMBERS = "SELECT m.user.id FROM UserGroupMembershipEntity m WHERE m.groupId IN :ids";

    private final Set<String> userIds;
    private final String realmWideReason;

    private RoleCapHolders(Set<String> userIds, String realmWideReason) {
        this.userIds = userIds;
        this.realmWideReason = realmWideReason;
    }

    private static RoleCapHolders realmWide(String reason) {
        return new RoleCapHolders(Set.of(), reason);
    }

    /** The holders of any of {@code roleIds} in {@code realm}. */
    static RoleCapHolders of(KeycloakSession s, RealmModel realm, Collection<String> roleIds) {
        // A user-storage provider (LDAP and the like) can map roles that Keycloak's tables never see.
        if (realm.getComponentsStream(realm.getId(), USER_STORAGE).findAny().isPresent()) {
            return realmWide("user federation");
        }
        EntityManager em = s.getProvider(JpaConnectionProvider.class).getEntityManager();
        Set<String> roles = closure(em, PARENT_ROLES, new HashSet<>(roleIds), MAX_ROLES);
        if (roles == null) return realmWide("composite roles");
        RoleModel defaultRole = realm.getDefaultRole();
        if (defaultRole != null && roles.contains(defaultRole.getId())) return realmWide("default roles");
        Set<String> mappingGroups = select(em, MAPPING_GROUPS, roles);
        Set<String> groups = mappingGroups.isEmpty() ? Set.of() : closure(em, CHILD_GROUPS, mappingGroups, MAX_GROUPS);
        if (groups == null) return realmWide("groups");
        Set<String> users = select(em, DIRECT_HOLDERS, roles);
        if (!groups.isEmpty()) users.addAll(select(em, GROUP_MEMBERS, groups));
        if (users.size() > MAX_HOLDERS) return realmWide("more than " + MAX_HOLDERS + " holders");
        return new RoleCapHolders(Set.copyOf(users), null);
    }

    /** Null when the floor applies to the holders only. */
    String realmWideReason() {
        return realmWideReason;
    }

    boolean realmWide() {
        return realmWideReason != null;
    }

    Set<String> userIds() {
        return userIds;
    }

    /** {@code start} and everything {@code step} reaches from it; null when it grows past {@code limit} or too deep. */
    private static Set<String> closure(EntityManager em, String step, Set<String> start, int limit) {
        Set<String> all = new HashSet<>(start);
        Set<String> frontier = start;
        for (int depth = 0; !frontier.isEmpty(); depth++) {
            if (depth == MAX_DEPTH) return null;
            Set<String> next = new HashSet<>();
            for (String id : select(em, step, frontier)) {
                if (all.add(id)) next.add(id);
            }
            if (all.size() > limit) return null;
            frontier = next;
        }
        return all;
    }

    private static Set<String> select(EntityManager em, String jpql, Set<String> ids) {
        Set<String> out = new HashSet<>();
        for (List<String> chunk : chunks(ids)) {
            out.addAll(em.createQuery(jpql, String.class).setParameter("ids", chunk).getResultList());
        }
        return out;
    }

    static List<List<String>> chunks(Collection<String> ids) {
        List<List<String>> out = new ArrayList<>();
        List<String> all = new ArrayList<>(ids);
        for (int i = 0; i < all.size(); i += CHUNK) out.add(all.subList(i, Math.min(all.size(), i + CHUNK)));
        return out;
    }
}
