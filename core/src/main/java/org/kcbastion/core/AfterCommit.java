package org.kcbastion.core;

import org.jboss.logging.Logger;
import org.keycloak.executors.ExecutorsProvider;
import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.KeycloakSession;

import java.util.concurrent.ExecutorService;

/**
 * Side effects that cannot be rolled back (HTTP to relying parties, email) run only once the request's transaction has
 * committed, and on Bastion's own executor, so a slow receiver holds neither the admin's response nor the database
 * transaction. A rolled-back request runs nothing.
 */
public final class AfterCommit {

    /** Name of the Keycloak-managed executor Bastion uses for after-commit work. */
    static final String EXECUTOR = "bastion-after-commit";
    private static final Logger LOG = Logger.getLogger(AfterCommit.class);

    private AfterCommit() {
    }

    public static void run(KeycloakSession session, Runnable task) {
        ExecutorService executor = executor(session);
        session.getTransactionManager().enlistAfterCompletion(new AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
                executor.execute(() -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        LOG.error("Bastion after-commit task failed", e);
                    }
                });
            }

            @Override
            protected void rollbackImpl() {
            }
        });
    }

    public static ExecutorService executor(KeycloakSession session) {
        return session.getProvider(ExecutorsProvider.class).getExecutor(EXECUTOR);
    }
}
