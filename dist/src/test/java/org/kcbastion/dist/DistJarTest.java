package org.kcbastion.dist;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loads the shaded JAR the way Keycloak does (ServiceLoader per SPI) and checks that every Bastion factory in it is
 * registered exactly once, and that nothing but Bastion's own code ships inside. Bastion's module JARs are kept off
 * this test's class path (see dist/pom.xml), so everything found here comes from the JAR.
 */
@DisplayName("The dist JAR")
class DistJarTest {

    private static Path jar;
    private static List<String> entries;

    @BeforeAll
    static void open() throws IOException {
        jar = Path.of(System.getProperty("bastion.jar"));
        assertThat(jar).isRegularFile();
        try (JarFile f = new JarFile(jar.toFile())) {
            entries = f.stream().map(JarEntry::getName).toList();
        }
    }

    @Test
    @DisplayName("registers every Bastion factory exactly once, under the SPI it implements")
    void everyFactoryExactlyOnce() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[]{jar.toUri().toURL()}, getClass().getClassLoader());
                JarFile f = new JarFile(jar.toFile())) {
            Map<String, List<String>> registered = new HashMap<>();
            for (String entry : entries) {
                if (!entry.startsWith("META-INF/services/") || entry.endsWith("/")) continue;
                String spi = entry.substring("META-INF/services/".length());
                Class<?> spiType = Class.forName(spi, false, loader);
                List<String> found = new ArrayList<>();
                ServiceLoader.load(spiType, loader).stream()
                        .map(p -> p.type().getName())
                        .filter(n -> n.startsWith("org.kcbastion."))
                        .forEach(found::add);
                String listed = new String(f.getInputStream(f.getEntry(entry)).readAllBytes(), StandardCharsets.UTF_8);
                assertThat(found).as("ServiceLoader for %s finds what %s lists", spi, entry)
                        .hasSameSizeAs(listed.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList());
                registered.put(spi, found);
            }

            Class<?> providerFactory = Class.forName("org.keycloak.provider.ProviderFactory", false, loader);
            Class<?> spiClass = Class.forName("org.keycloak.provider.Spi", false, loader);
            List<Class<?>> factories = new ArrayList<>();
            for (String entry : entries) {
                if (!entry.startsWith("org/kcbastion/") || !entry.endsWith(".class") || entry.contains("$")) continue;
                Class<?> c = Class.forName(entry.replace('/', '.').replace(".class", ""), false, loader);
                boolean concrete = !c.isInterface() && !Modifier.isAbstract(c.getModifiers());
                if (concrete && (providerFactory.isAssignableFrom(c) || spiClass.isAssignableFrom(c))) factories.add(c);
            }
            assertThat(factories).as("factories in the JAR").isNotEmpty();
            for (Class<?> factory : factories) {
                long registrations = registered.entrySet().stream()
                        .filter(e -> e.getValue().contains(factory.getName()))
                        .peek(e -> {
                            try {
                                assertThat(Class.forName(e.getKey(), false, loader)).as("SPI of %s", factory)
                                        .isAssignableFrom(factory);
                            } catch (ClassNotFoundException ex) {
                                throw new AssertionError(ex);
                            }
                        })
                        .mapToLong(e -> Collections.frequency(e.getValue(), factory.getName()))
                        .sum();
                assertThat(registrations).as("registrations of %s", factory.getName()).isEqualTo(1);
            }
        }
    }

    @Test
    @DisplayName("holds only Bastion's classes and resources: no third-party library, no org.keycloak package")
    void onlyBastion() {
        List<String> classes = entries.stream().filter(e -> e.endsWith(".class")).toList();
        assertThat(classes).isNotEmpty().allMatch(e -> e.startsWith("org/kcbastion/"));
        assertThat(entries).noneMatch(e -> e.startsWith("org/keycloak/"));
    }

    @Test
    @DisplayName("carries the version in its manifest, for operational info")
    void manifestVersion() throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            assertThat(f.getManifest().getMainAttributes().getValue("Implementation-Version")).isNotBlank();
        }
        assertThat(Files.size(jar)).isLessThan(5L * 1024 * 1024);
    }
}
