package org.kcbastion.it.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Keycloak in a distribution copy of its own (dev mode, its own H2 file) for a test class that needs options the
 * shared server must not have (features, persistent sessions off). With the Bastion JAR, the test-only providers and
 * the short sweep interval of the default test server.
 */
public final class DevModeServer extends LaunchedServer implements AutoCloseable {

    private DevModeServer(String name, Process process, Path log, String baseUrl, String managementUrl, double seconds) {
        super(name, process, log, baseUrl, managementUrl, seconds);
    }

    /** {@code options}: further {@code kc.sh start-dev} options, e.g. {@code --features=token-exchange}. */
    public static DevModeServer start(String name, String... options) {
        HarnessConfig config = HarnessConfig.fromSystemProperties();
        Path home = Distribution.unpacked(config).copyTo(config.workDir().resolve(name)).withoutData().withBastionAndTestProviders(config)
                .home();
        int http = Ports.freeLoopbackPort();
        int management = Ports.freeLoopbackPort();
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/kc.sh").toString(), "start-dev", "--http-host=127.0.0.1",
                "--http-port=" + http, "--http-management-port=" + management, "--health-enabled=true",
                "--spi-bastion-session-limit--default--sweep-interval=" + ProcessKeycloakServer.SWEEP_INTERVAL_SECONDS));
        command.addAll(List.of(options));
        Path log = config.workDir().resolve(name + ".log");
        Started started = launch(name, home, command, Map.of(), log, management);
        return new DevModeServer(name, started.process(), log, "http://127.0.0.1:" + http, "http://127.0.0.1:" + management,
                started.seconds());
    }

    @Override
    public void close() {
        stop();
    }
}
