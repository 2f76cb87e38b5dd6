package org.kcbastion.it.harness;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Keycloak in a distribution copy of its own (dev mode, its own H2 file) with persistent user sessions switched
 * off: online sessions live only in Infinispan, offline ones in the database as always. With the Bastion JAR, the
 * test-only providers and the short sweep interval of the default test server.
 */
public final class VolatileSessionsServer extends LaunchedServer implements AutoCloseable {

    private VolatileSessionsServer(String name, Process process, Path log, String baseUrl, String managementUrl, double seconds) {
        super(name, process, log, baseUrl, managementUrl, seconds);
    }

    public static VolatileSessionsServer start(String name) {
        HarnessConfig config = HarnessConfig.fromSystemProperties();
        Path home = Distribution.unpacked(config).copyTo(config.workDir().resolve(name)).withoutData().withBastionAndTestProviders(config)
                .home();
        int http = Ports.freeLoopbackPort();
        int management = Ports.freeLoopbackPort();
        List<String> command = List.of(home.resolve("bin/kc.sh").toString(), "start-dev", "--http-host=127.0.0.1",
                "--http-port=" + http, "--http-management-port=" + management, "--health-enabled=true",
                "--features-disabled=persistent-user-sessions", "--log-level=INFO,org.kcbastion.sessionlimits:debug",
                "--spi-bastion-session-limit--default--sweep-interval=" + ProcessKeycloakServer.SWEEP_INTERVAL_SECONDS);
        Path log = config.workDir().resolve(name + ".log");
        Started started = launch(name, home, command, Map.of(), log, management);
        return new VolatileSessionsServer(name, started.process(), log, "http://127.0.0.1:" + http, "http://127.0.0.1:" + management,
                started.seconds());
    }

    @Override
    public void close() {
        stop();
    }
}
