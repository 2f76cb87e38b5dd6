package org.kcbastion.it.harness;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Put on an IT class: one Keycloak server for the whole run (started on first use, stopped when the run ends, also
 * on failure) and one realm for the class (created before its first test, removed after its last). Test and
 * lifecycle methods receive {@link KeycloakServer} and {@link TestRealm} as parameters.
 * <p>
 * If Keycloak cannot start, every test fails with the last 200 lines of the server log. Nothing is skipped.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(BastionKeycloak.Extension.class)
public @interface BastionKeycloak {

    final class Extension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

        private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(BastionKeycloak.class);

        @Override
        public void beforeAll(ExtensionContext context) {
            KeycloakServer server = server(context);
            if (isTopLevel(context)) {
                String name = "it-" + kebab(context.getRequiredTestClass().getSimpleName());
                context.getStore(NS).put(TestRealm.class, TestRealm.create(server, name));
            }
        }

        @Override
        public void afterAll(ExtensionContext context) {
            if (isTopLevel(context)) {
                TestRealm realm = context.getStore(NS).remove(TestRealm.class, TestRealm.class);
                if (realm != null) realm.close();
            }
        }

        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
            Class<?> type = p.getParameter().getType();
            return type == KeycloakServer.class || type == TestRealm.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext e) {
            if (p.getParameter().getType() == KeycloakServer.class) {
                return server(e);
            }
            for (ExtensionContext c = e; c != null; c = c.getParent().orElse(null)) {
                TestRealm realm = c.getStore(NS).get(TestRealm.class, TestRealm.class);
                if (realm != null) return realm;
            }
            throw new IllegalStateException("No test realm: put @BastionKeycloak on the top-level IT class");
        }

        private static boolean isTopLevel(ExtensionContext context) {
            return context.getParent().map(p -> p.equals(context.getRoot())).orElse(false);
        }

        /** One server per run; a failed start is remembered so every class fails fast with the same log. */
        static KeycloakServer server(ExtensionContext context) {
            ServerHolder holder = context.getRoot().getStore(NS)
                    .getOrComputeIfAbsent(ServerHolder.class, k -> ServerHolder.start(), ServerHolder.class);
            return holder.get();
        }

        static String kebab(String name) {
            return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Root-store value: JUnit closes it when the run ends; the JVM hook covers a killed run. */
    final class ServerHolder implements AutoCloseable {
        private final KeycloakServer server;
        private final AssertionError failure;
        private final Thread hook;

        private ServerHolder(KeycloakServer server, AssertionError failure) {
            this.server = server;
            this.failure = failure;
            this.hook = new Thread(this::stopQuietly, "keycloak-it-shutdown");
            if (server != null) Runtime.getRuntime().addShutdownHook(hook);
        }

        static ServerHolder start() {
            HarnessConfig config = HarnessConfig.fromSystemProperties();
            try {
                KeycloakServer server = switch (config.server()) {
                    case "process" -> ProcessKeycloakServer.start(config);
                    case "container" -> ContainerKeycloakServer.start(config);
                    default -> throw new AssertionError("it.server must be process or container, not " + config.server());
                };
                System.out.printf("Keycloak %s with Bastion ready at %s after %.1f s (db=%s)%n",
                        config.keycloakVersion(), server.baseUrl(), server.startSeconds(), config.db());
                return new ServerHolder(server, null);
            } catch (AssertionError e) {
                return new ServerHolder(null, e);
            } catch (RuntimeException e) {
                return new ServerHolder(null, new AssertionError("Keycloak could not start: " + e, e));
            }
        }

        KeycloakServer get() {
            if (failure != null) throw failure;
            return server;
        }

        private void stopQuietly() {
            if (server != null) server.close();
        }

        @Override
        public void close() {
            if (server == null) return;
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running
                return;
            }
            server.close();
        }
    }
}
