package org.kcbastion.core;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;
import org.jboss.logging.Logger;
import org.keycloak.connections.jpa.JpaConnectionProvider;
import org.keycloak.connections.jpa.util.JpaUtils;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.ModelException;
import org.keycloak.models.utils.KeycloakModelUtils;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The users of a realm who may hold an impersonation session, in Bastion's table {@value #TABLE} (created by the
 * {@code bastion-schema} changelog). An impersonation may have to end long before any session-lifetime cap (its own
 * short lifetime, or its admin signing out), so the sweeper cannot find it by age; this short list is where it
 * looks instead. Rows name users, never sessions: a session id is not stored anywhere in Bastion's tables.
 * A row is only a hint: the user's sessions are read to tell which are impersonations, and the sweeper removes the
 * rows of a user who holds none.
 */
public final class ImpersonatedUsers {

    static final String TABLE = "BASTION_IMPERSONATED_USER";
    private static final Logger LOG = Logger.getLogger(ImpersonatedUsers.class);

    private ImpersonatedUsers() {
    }

    /**
     * Records that {@code userId} was impersonated at {@code createdOn}, in a transaction of its own: the event that
     * calls it may run outside the request's transaction, and a row left by an impersonation that then failed is
     * harmless (the sweeper finds no impersonation and removes it).
     */
    public static void add(KeycloakSessionFactory factory, String realmId, String userId, long createdOn) {
        try {
            KeycloakModelUtils.runJobInTransaction(factory, s -> {
                EntityManager em = entityManager(s);
                em.createNativeQuery("INSERT INTO " + table(em) + " (REALM_ID, USER_ID, CREATED_ON) VALUES (?1, ?2, ?3)")
                        .setParameter(1, realmId).setParameter(2, userId).setParameter(3, (int) createdOn)
                        .executeUpdate();
            });
        } catch (PersistenceException | ModelException e) {
            // The session still carries its deadline: the refresh path enforces it, the sweeper once it is old enough.
            LOG.warnf("Bastion could not record an impersonation for the sweeper (table %s missing?): %s", TABLE, e.toString());
        }
    }

    /** The users with a recorded impersonation, by realm id, in one statement for all realms. */
    @SuppressWarnings("unchecked")
    public static Map<String, Set<String>> byRealm(KeycloakSession s) {
        EntityManager em = entityManager(s);
        Map<String, Set<String>> users = new HashMap<>();
        ((List<Object[]>) em.createNativeQuery("SELECT DISTINCT REALM_ID, USER_ID FROM " + table(em)).getResultList())
                .forEach(row -> users.computeIfAbsent((String) row[0], k -> new LinkedHashSet<>()).add((String) row[1]));
        return users;
    }

    /**
     * Forgets the user's rows recorded before {@code before}; a row recorded since (an impersonation that began while
     * the caller looked) stays for the next look.
     */
    public static void forget(KeycloakSession s, String realmId, String userId, long before) {
        EntityManager em = entityManager(s);
        em.createNativeQuery("DELETE FROM " + table(em) + " WHERE REALM_ID = ?1 AND USER_ID = ?2 AND CREATED_ON < ?3")
                .setParameter(1, realmId).setParameter(2, userId).setParameter(3, (int) before)
                .executeUpdate();
    }

    /**
     * Forgets the rows of a realm that no longer exists, recorded before {@code before}. Deleting a realm leaves its rows
     * behind, and the sweeper only visits realms that exist, so nothing else would ever remove them.
     */
    public static int forgetRealm(KeycloakSession s, String realmId, long before) {
        EntityManager em = entityManager(s);
        return em.createNativeQuery("DELETE FROM " + table(em) + " WHERE REALM_ID = ?1 AND CREATED_ON < ?2")
                .setParameter(1, realmId).setParameter(2, (int) before)
                .executeUpdate();
    }

    private static EntityManager entityManager(KeycloakSession s) {
        return s.getProvider(JpaConnectionProvider.class).getEntityManager();
    }

    private static String table(EntityManager em) {
        return JpaUtils.getTableNameForNativeQuery(TABLE, em);
    }
}
