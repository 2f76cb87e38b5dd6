package org.kcbastion.it.harness;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's own {@link DevModeServer} with one realm on it, for options the shared server must not have. Register
 * it as a static {@code @RegisterExtension} field: the server and realm exist before the class's {@code @BeforeAll}
 * methods run, the realm's clock is set back after each test, and the realm, then the server, are closed after the
 * class (each only when it was made).
 */
public final class OwnServer implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    private final String serverName;
    private final String realmName;
    private final String[] options;
    private final String appClientId;
    private DevModeServer server;
    private TestRealm realm;
    private TestRealm.Client app;
    /** The class that registered it: JUnit calls the class callbacks again for each {@code @Nested} class. */
    private Class<?> owner;

    private OwnServer(String serverName, String realmName, String appClientId, String[] options) {
        this.serverName = serverName;
        this.realmName = realmName;
        this.appClientId = appClientId;
        this.options = options.clone();
    }

    /** {@code options}: further {@code kc.sh start-dev} options, as {@link DevModeServer#start} takes them. */
    public static OwnServer of(String serverName, String realmName, String... options) {
        return new OwnServer(serverName, realmName, null, options);
    }

    /**
     * With a confidential client {@code clientId} in the realm ({@link #app()}), and SSO lifetimes (idle 20,000 s, max
     * 50,000 s) long enough that the caps under test end the sessions before Keycloak does.
     */
    public OwnServer withApp(String clientId) {
        return new OwnServer(serverName, realmName, clientId, options);
    }

    public DevModeServer server() {
        return server;
    }

    public TestRealm realm() {
        return realm;
    }

    /** The client {@link #withApp} asked for; null without it. */
    public TestRealm.Client app() {
        return app;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (owner != null) return;
        owner = context.getRequiredTestClass();
        server = DevModeServer.start(serverName, options);
        realm = TestRealm.createOn(server, realmName);
        if (appClientId != null) {
            app = realm.createClient(appClientId);
            realm.setSsoLifetimes(50_000, 20_000);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (realm != null) realm.setClockOffset(0);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (context.getRequiredTestClass() != owner) return;
        try (DevModeServer stopped = server; TestRealm removed = realm) {
            // Nothing but the closing: the realm first, then the server, each only when it was made.
        }
    }
}
