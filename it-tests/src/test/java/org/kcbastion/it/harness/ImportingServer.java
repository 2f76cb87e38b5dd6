package org.kcbastion.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Keycloak in a distribution copy of its own (dev mode, its own H2 file) that receives realm exports the two ways
 * an operator imports without HTTP: {@code kc.sh import --file} before the first start, and {@code --import-realm}
 * from {@code data/import} at startup. With or without the Bastion JAR installed.
 */
public final class ImportingServer extends LaunchedServer implements AutoCloseable {

    private ImportingServer(String name, Process process, Path log, String baseUrl, String managementUrl, double seconds) {
        super(name, process, log, baseUrl, managementUrl, seconds);
    }

    /**
     * @param cliImport     imported with {@code kc.sh import --file} before the server starts
     * @param startupImport imported by {@code start-dev --import-realm}
     */
    public static ImportingServer start(String name, boolean withBastion, Path cliImport, Path startupImport) {
        HarnessConfig config = HarnessConfig.fromSystemProperties();
        Distribution copy = Distribution.unpacked(config).copyTo(config.workDir().resolve(name)).withoutData();
        Path home = withBastion ? copy.withBastionAndTestProviders(config).home() : copy.withProviders(List.of()).home();
        try {
            Files.createDirectories(home.resolve("data/import"));
            Files.copy(startupImport, home.resolve("data/import").resolve(startupImport.getFileName()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String kc = home.resolve("bin/kc.sh").toString();
        List<String> importCommand = List.of(kc, "import", "--db=dev-file", "--file=" + cliImport.toAbsolutePath(),
                "--http-port=" + Ports.freeLoopbackPort(), "--http-management-port=" + Ports.freeLoopbackPort(),
                "--features=declarative-ui");
        // Without --profile=dev: in the dev profile, import stays up as a server. The H2 file is start-dev's.
        run(home, config.workDir().resolve(name + "-import.log"), importCommand);

        int http = Ports.freeLoopbackPort();
        int management = Ports.freeLoopbackPort();
        List<String> command = new ArrayList<>(List.of(kc, "start-dev", "--import-realm", "--http-host=127.0.0.1",
                "--http-port=" + http, "--http-management-port=" + management, "--health-enabled=true",
                "--features=declarative-ui", "--log-level=INFO"));
        Path log = config.workDir().resolve(name + ".log");
        Started started = launch(name, home, command, Map.of(), log, management);
        return new ImportingServer(name, started.process(), log, "http://127.0.0.1:" + http, "http://127.0.0.1:" + management,
                started.seconds());
    }

    /** {@code kc.sh import} with the bootstrap admin, so the service account exists from the first database use. */
    private static void run(Path home, Path log, List<String> command) {
        LaunchedServer.runToCompletion(home, log, command, Map.of());
    }

    @Override
    public void close() {
        stop();
    }
}
