package org.kcbastion.it.bench;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;
import org.keycloak.representations.idm.RealmRepresentation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a test: the sweeper benchmark. Creates S sessions (test-only bulk provider), a fraction of them started
 * 50,000 s ago (Keycloak's clock shifted back while they are created), then lowers the realm cap to 12 h and reads the
 * sweeper's own debug line for the sweep that ends them. Run with {@code ./bench/sweep}.
 */
@BastionKeycloak
@DisplayName("Benchmark: session-limit sweeper")
class SweepBench {

    static final Pattern LINE = Pattern.compile("sweep: read (\\d+) sessions, judged (\\d+), ended (\\d+) in (\\d+) ms");

    @BeforeAll
    static void setUp(TestRealm realm) {
        RealmRepresentation rep = realm.admin().toRepresentation();
        // Keycloak's own lifetimes must not end the old sessions first: only Bastion's cap applies here.
        rep.setSsoSessionIdleTimeout(200_000);
        rep.setSsoSessionMaxLifespan(200_000);
        realm.admin().update(rep);
    }

    record Row(int sessions, int expired, long read, long judged, long ended, long millis, long idleMillis) {
    }

    @Test
    void measure(KeycloakServer server, TestRealm realm) throws Exception {
        List<Row> rows = new ArrayList<>();
        String sizes = System.getProperty("bench.sweep.sizes", "10000:0.01,10000:0.5,100000:0.01");
        for (String spec : sizes.split(",")) {
            String[] p = spec.split(":");
            rows.add(run(server, realm, Integer.parseInt(p[0]), Double.parseDouble(p[1])));
        }
        StringBuilder sb = new StringBuilder();
        sb.append("Measured ").append(Instant.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Keycloak 26.7.3 start-dev, db=").append(System.getProperty("it.db", "h2")).append(".\n\n");
        sb.append("| sessions | past their deadline | sweep that ends them (ms) | sessions read | judged (user loaded) | ended | sweep with none expired (ms) |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %d | %d | %d |%n", r.sessions, r.expired, r.millis,
                    r.read, r.judged, r.ended, r.idleMillis));
        }
        System.out.println(sb);
        Path out = Path.of(System.getProperty("bench.out", "target/benchmarks/sweep.md"));
        Files.createDirectories(out.getParent());
        Files.writeString(out, sb.toString());
    }

    private Row run(KeycloakServer server, TestRealm realm, int sessions, double fraction) {
        realm.setAttributes(Map.of("bastion.session.maxSeconds", String.valueOf(366 * 86400)));
        TestRealm.User user = realm.createUser("sweep-" + sessions + "-" + (int) (fraction * 100), false);
        int expired = (int) Math.round(sessions * fraction);
        realm.setClockOffset(-50_000);
        create(realm, user, expired);
        realm.setClockOffset(0);
        create(realm, user, sessions - expired);

        int before = lines(server).size();
        Matcher idle = awaitLine(server, before, m -> true);
        long idleMillis = Long.parseLong(idle.group(4));

        int mark = lines(server).size();
        realm.setAttributes(Map.of("bastion.session.maxSeconds", "43200"));
        Matcher sweep = awaitLine(server, mark, m -> Long.parseLong(m.group(3)) >= expired);
        realm.admin().users().delete(user.id()).close();
        Map<String, String> reset = new HashMap<>();
        reset.put("bastion.session.maxSeconds", null);
        realm.setAttributes(reset);
        return new Row(sessions, expired, Long.parseLong(sweep.group(1)), Long.parseLong(sweep.group(2)),
                Long.parseLong(sweep.group(3)), Long.parseLong(sweep.group(4)), idleMillis);
    }

    private static void create(TestRealm realm, TestRealm.User user, int count) {
        for (int done = 0; done < count; done += 5000) {
            int n = Math.min(5000, count - done);
            Oidc.Reply r = realm.adminCall("POST", "bastion-test-sessions/bulk?username=" + user.username() + "&count=" + n, null);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        }
    }

    private static List<String> lines(KeycloakServer server) {
        return server.log().lines().filter(l -> l.contains("Bastion session-limit sweep: read")).toList();
    }

    private static Matcher awaitLine(KeycloakServer server, int after, java.util.function.Predicate<Matcher> accept) {
        return Poll.until("a sweep line", Duration.ofMinutes(10), () -> {
            List<String> all = lines(server);
            for (String l : all.subList(Math.min(after, all.size()), all.size())) {
                Matcher m = LINE.matcher(l);
                if (m.find() && accept.test(m)) return Optional.of(m);
            }
            return Optional.empty();
        });
    }
}
