package org.kcbastion.it.harness;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Put on an IT class: each test gets a fresh headless {@link Chromium}, through a {@code Chromium} field of the class
 * (set before every test) or a {@code Chromium} test parameter (started only for the tests that ask). After the test,
 * also a failed one, its last page is kept (screenshot and HTML named after the test method) and the browser quits.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(WithChromium.Extension.class)
public @interface WithChromium {

    final class Extension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

        private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(WithChromium.class);

        @Override
        public void beforeEach(ExtensionContext context) throws IllegalAccessException {
            for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
                for (Field field : instance.getClass().getDeclaredFields()) {
                    if (field.getType() == Chromium.class && !Modifier.isStatic(field.getModifiers())) {
                        field.setAccessible(true);
                        field.set(instance, browser(context));
                    }
                }
            }
        }

        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
            return p.getParameter().getType() == Chromium.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext e) {
            return browser(e);
        }

        /** One browser per test, started on first use. */
        private static Chromium browser(ExtensionContext context) {
            return context.getStore(NS).getOrComputeIfAbsent(Chromium.class, k -> Chromium.start(), Chromium.class);
        }

        @Override
        public void afterEach(ExtensionContext context) {
            Chromium browser = context.getStore(NS).remove(Chromium.class, Chromium.class);
            Chromium.finish(browser, context.getRequiredTestMethod().getName());
        }
    }
}
