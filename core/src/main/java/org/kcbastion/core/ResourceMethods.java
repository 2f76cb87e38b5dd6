package org.kcbastion.core;

import jakarta.ws.rs.HttpMethod;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a JAX-RS resource method serves, read off its annotations when Keycloak deploys its endpoints, so Bastion's
 * request filters can be bound to the methods that need them ({@code DynamicFeature}) rather than run on every
 * request. Every test answers "may serve" when in doubt: a filter bound too widely costs a method test per request,
 * one bound too narrowly would leave an endpoint unguarded.
 */
public final class ResourceMethods {

    private static final Set<String> READS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private ResourceMethods() {
    }

    /**
     * The HTTP methods the method is annotated with ({@code @GET}, {@code @PUT}, any annotation meta-annotated with
     * {@code @HttpMethod}); empty when it carries none of its own (a locator, or annotations inherited from an interface).
     */
    public static Set<String> designators(Method method) {
        Set<String> out = new TreeSet<>();
        if (method == null) return out;
        for (Annotation a : method.getAnnotations()) {
            HttpMethod designator = a.annotationType().getAnnotation(HttpMethod.class);
            if (designator != null) out.add(designator.value());
        }
        return out;
    }

    /** True when the method is known to serve reads only (GET, HEAD, OPTIONS); false when unknown. */
    public static boolean onlyReads(Method method) {
        Set<String> d = designators(method);
        return !d.isEmpty() && READS.containsAll(d);
    }

    /** True when the method may serve the HTTP method: it is annotated with it, or its own annotations do not say. */
    public static boolean mayServe(Method method, String httpMethod) {
        Set<String> d = designators(method);
        return d.isEmpty() || d.contains(httpMethod);
    }
}
