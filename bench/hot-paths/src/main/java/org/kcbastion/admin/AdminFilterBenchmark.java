package org.kcbastion.admin;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.core.UriInfo;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RealmProvider;
import org.keycloak.utils.KeycloakSessionUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What sudo mode costs an admin write that the catalogue does not name (issue 15: under 0.1 ms): the real
 * {@link PrivilegedRequestFilter} on {@code PUT /admin/realms/demo/groups/{id}} (routed to
 * {@code GroupResource#updateGroup}), with Keycloak's session, realm lookup and request context as plain in-memory
 * stand-ins. It reads the path, looks the routed method up, reads one realm attribute ({@code bastion.stepUp.scope})
 * and lets the request through. Keycloak's cached realm lookup is a map read in the stand-in; in a server it is the
 * realm cache's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AdminFilterBenchmark {

    /** Stands in for the resource Keycloak routes a group update to; only its simple name and method name matter. */
    public static final class GroupResource {
        public void updateGroup() {
        }
    }

    PrivilegedRequestFilter filter;
    ContainerRequestContext request;
    ContainerRequestContext read;

    @Setup
    public void setUp() throws Exception {
        Method routed = GroupResource.class.getMethod("updateGroup");
        filter = new PrivilegedRequestFilter(GroupResource.class, routed);
        List<PathSegment> segments = List.of(segment("admin"), segment("realms"), segment("demo"), segment("groups"),
                segment("5f0c2a8e-7d1b-4c3a-9e6f-1a2b3c4d5e6f"));
        UriInfo uri = proxy(UriInfo.class, (m, a) -> switch (m.getName()) {
            case "getPathSegments" -> segments;
            case "getPath" -> "/admin/realms/demo/groups/5f0c2a8e-7d1b-4c3a-9e6f-1a2b3c4d5e6f";
            default -> null;
        });
        request = proxy(ContainerRequestContext.class, (m, a) -> switch (m.getName()) {
            case "getMethod" -> "PUT";
            case "getUriInfo" -> uri;
            default -> null;
        });
        read = proxy(ContainerRequestContext.class, (m, a) -> m.getName().equals("getMethod") ? "GET" : null);
        RealmModel realm = proxy(RealmModel.class, (m, a) -> switch (m.getName()) {
            case "getAttribute" -> null;
            case "getName" -> "demo";
            default -> null;
        });
        RealmProvider realms = proxy(RealmProvider.class,
                (m, a) -> m.getName().equals("getRealmByName") && "demo".equals(a[0]) ? realm : null);
        KeycloakSession session = proxy(KeycloakSession.class, (m, a) -> m.getName().equals("realms") ? realms : null);
        KeycloakSessionUtil.setKeycloakSession(session);
    }

    /** An admin write outside the catalogue, under the default scope {@code privileged}: judged and let through. */
    @Benchmark
    public ContainerRequestContext writeOutsideCatalogue() throws Exception {
        filter.filter(request);
        return request;
    }

    /** A read: leaves at the first line. */
    @Benchmark
    public ContainerRequestContext read() throws Exception {
        filter.filter(read);
        return read;
    }

    private static PathSegment segment(String path) {
        return proxy(PathSegment.class, (m, a) -> m.getName().equals("getPath") ? path : null);
    }

    private interface Handler {
        Object invoke(Method m, Object[] args);
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Handler handler) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (p, m, a) -> {
            if (m.getDeclaringClass() == Object.class) {
                return switch (m.getName()) {
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == a[0];
                    default -> type.getSimpleName() + " stand-in";
                };
            }
            return handler.invoke(m, a);
        });
    }
}
