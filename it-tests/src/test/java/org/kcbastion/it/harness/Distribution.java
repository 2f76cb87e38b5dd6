package org.kcbastion.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Keycloak distribution on disk: the one Maven unpacked under {@code target/} (the default test server runs in it),
 * or a copy of it that one server owns (cluster nodes, benchmark servers, the import, volatile-session and
 * Containerfile servers). Every server kind prepares its home through this type: copy, providers, data.
 */
public final class Distribution {

    private final Path home;

    private Distribution(Path home) {
        this.home = home;
    }

    /** The distribution Maven unpacked; fails with what to run when it is not there. */
    static Distribution unpacked(HarnessConfig config) {
        Path home = config.keycloakHome();
        if (!Files.isExecutable(home.resolve("bin/kc.sh"))) {
            throw new AssertionError("No Keycloak distribution at " + home
                    + " (it is unpacked by `mvn verify` in the pre-integration-test phase)");
        }
        return new Distribution(home);
    }

    /** The distribution at {@code home}, as an earlier step left it (a cluster node's built copy). */
    static Distribution at(Path home) {
        return new Distribution(home);
    }

    public Path home() {
        return home;
    }

    /** {@code bin/kc.sh}, the first word of every command a server runs here. */
    String kcSh() {
        return home.resolve("bin/kc.sh").toString();
    }

    /** A copy of this distribution at {@code dir}, whatever was there before deleted: one server's own home. */
    Distribution copyTo(Path dir) {
        deleteRecursively(dir);
        try (Stream<Path> all = Files.walk(home)) {
            for (Path p : all.toList()) {
                Path target = dir.resolve(home.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not copy " + home + " to " + dir, e);
        }
        return new Distribution(dir);
    }

    /** Deletes {@code data/} (an earlier run's H2 file, logs, imports): every server starts from an empty store. */
    Distribution withoutData() {
        deleteRecursively(home.resolve("data"));
        return this;
    }

    /** Replaces every JAR in {@code providers/} with {@code jars} (none: stock Keycloak). */
    Distribution withProviders(List<Path> jars) {
        Path providers = home.resolve("providers");
        try (Stream<Path> old = Files.list(providers)) {
            for (Path jar : old.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.delete(jar);
            }
            for (Path jar : jars) {
                if (!Files.isRegularFile(jar)) {
                    throw new AssertionError("Provider JAR missing: " + jar + " (run `mvn verify` from the root)");
                }
                Files.copy(jar, providers.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not install providers into " + providers, e);
        }
        return this;
    }

    /** Bastion and the test-only providers, what every functional test server runs. */
    Distribution withBastionAndTestProviders(HarnessConfig config) {
        return withProviders(List.of(config.bastionJar(), config.testProvidersJar()));
    }

    /** Writes {@code text} to {@code file} (relative to the home), replacing what was there. */
    Distribution withFile(String file, String text) {
        try {
            Files.writeString(home.resolve(file), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete " + dir, e);
        }
    }
}
