package org.kcbastion.sessionlimits;

import org.keycloak.models.ClientModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Which roles of a realm carry a session cap, kept per node so that a refresh asks the user about those few roles
 * ({@code hasRole}) instead of expanding every role the user holds. Which roles are capped is cached for
 * {@link #TTL_NANOS}; the cap values and the user's roles are always read live. An admin write on this node drops the
 * realm's entry after it commits (a newly capped role applies at the next refresh here, within the TTL on other nodes).
 */
final class CappedRoles {

    /**
     * A scan lists the realm's clients (one query: Keycloak does not cache that list), so it runs at most once a
     * minute per realm and node, and after each admin write on this node.
     */
    static final long TTL_NANOS = 60_000_000_000L;

    private record Entry(List<String> roleIds, long computedAt) {
    }

    private final ConcurrentHashMap<String, Entry> byRealm = new ConcurrentHashMap<>();

    /** The realm's roles (realm and client roles) that carry {@link SessionCaps#ATTRIBUTE}, as they are now. */
    Stream<RoleModel> of(RealmModel realm) {
        long now = System.nanoTime();
        Entry entry = byRealm.get(realm.getId());
        if (entry == null || now - entry.computedAt() > TTL_NANOS) {
            entry = new Entry(scan(realm), now);
            byRealm.put(realm.getId(), entry);
        }
        return entry.roleIds().stream().map(realm::getRoleById).filter(Objects::nonNull);
    }

    void forget(String realmId) {
        byRealm.remove(realmId);
    }

    private static List<String> scan(RealmModel realm) {
        return Stream.concat(realm.getRolesStream(), realm.getClientsStream().flatMap(ClientModel::getRolesStream))
                .filter(r -> {
                    String value = r.getFirstAttribute(SessionCaps.ATTRIBUTE);
                    return value != null && !value.isBlank();
                })
                .map(RoleModel::getId)
                .toList();
    }
}
