package org.kcbastion.it.bench;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.SetReceiver;
import org.kcbastion.it.harness.SsfReceivers;
import org.kcbastion.it.harness.TestRealm;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a test: the Shared Signals benchmark ({@code ./bench/ssf}, docs/benchmarks-ssf.md). An admin password reset of a
 * user with N sessions, alternately with the realm's SSF transmitter off (nothing queued) and on with a push and a poll
 * stream that the user is subscribed to: the admin call's duration in both, and with the transmitter on, the time until
 * the push receiver holds the last of the N session-revoked SETs. It is not part of {@code mvn verify}.
 */
@BastionKeycloak
@DisplayName("Benchmark: an admin reset with and without Shared Signals streams")
class SharedSignalsBench {

    static final int[] SIZES = {10, 100};
    static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
    static final List<String> EVENTS = List.of(SetReceiver.SESSION_REVOKED, SetReceiver.CREDENTIAL_CHANGE);
    static TestRealm.Client app;
    static SetReceiver pushEndpoint;
    static SsfReceivers.Receiver push;
    static SsfReceivers.Receiver poll;

    @BeforeAll
    static void setUp(TestRealm realm) {
        RealmRepresentation rep = realm.admin().toRepresentation();
        // Logins are only the setup: a cheap hash makes 100 sessions take a second.
        rep.setPasswordPolicy("hashAlgorithm(pbkdf2-sha256) and hashIterations(1)");
        realm.admin().update(rep);
        app = realm.createClient("bench-ssf-app");
        realm.setAttributes(Map.of("ssf.transmitterEnabled", "true"));
        pushEndpoint = new SetReceiver();
        push = SsfReceivers.create(realm, "bench-push", Map.of("method", SsfReceivers.PUSH, "endpoint_url", pushEndpoint.url()), EVENTS);
        poll = SsfReceivers.create(realm, "bench-poll", Map.of("method", SsfReceivers.POLL), EVENTS);
    }

    @AfterAll
    static void close() {
        if (pushEndpoint != null) pushEndpoint.close();
    }

    record Row(int sessions, boolean streams, double callMillis, double lastSetMillis) {
    }

    @Test
    void measure(TestRealm realm) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int n : SIZES) {
            run(realm, n, false, -1);
            run(realm, n, true, -1);
            for (int round = 1; round <= ROUNDS; round++) {
                rows.add(run(realm, n, false, round));
                rows.add(run(realm, n, true, round));
            }
        }
        String table = markdown(rows);
        System.out.println(table);
        Path out = Path.of(System.getProperty("bench.out", "target/benchmarks/ssf.md"));
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
    }

    /** One reset; round -1 is a warm-up whose figures are dropped. */
    private Row run(TestRealm realm, int n, boolean streams, int round) throws Exception {
        realm.setAttributes(Map.of("ssf.transmitterEnabled", String.valueOf(streams)));
        TestRealm.User user = realm.createUser("bench-ssf-" + n + "-" + streams + "-" + round, false);
        if (streams) {
            SsfReceivers.subscribe(realm, user.id(), push);
            SsfReceivers.subscribe(realm, user.id(), poll);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Oidc.Reply>> logins = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                logins.add(pool.submit(() -> realm.oidc().passwordGrant(app.clientId(), app.secret(), user.username(), user.password())));
            }
            for (Future<Oidc.Reply> f : logins) assertThat(f.get().status()).isEqualTo(200);
        } finally {
            pool.shutdown();
        }
        CredentialRepresentation password = TestRealm.newPassword(false);

        long start = System.nanoTime();
        realm.admin().users().get(user.id()).resetPassword(password);
        long answered = System.nanoTime();
        double lastSet = Double.NaN;
        if (streams) {
            List<SetReceiver.Set> sets = Poll.until(n + " session-revoked SETs", Duration.ofSeconds(60), () -> {
                List<SetReceiver.Set> mine = pushEndpoint.received().stream()
                        .filter(s -> SetReceiver.SESSION_REVOKED.equals(s.eventType()) && user.id().equals(s.userId())).toList();
                return mine.size() >= n ? java.util.Optional.of(mine) : java.util.Optional.empty();
            });
            lastSet = (sets.stream().mapToLong(SetReceiver.Set::receivedAtNanos).max().orElseThrow() - start) / 1e6;
            SsfReceivers.poll(realm, poll);
        }
        return new Row(n, streams, (answered - start) / 1e6, lastSet);
    }

    private static String markdown(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Benchmark: an admin reset with and without Shared Signals streams\n\n");
        sb.append("Command: `./bench/ssf -Dbench.rounds=").append(ROUNDS).append("` (SharedSignalsBench). The SETs are queued after the ")
                .append("admin's transaction commits, on Bastion's executor: the admin call should not move.\n\n");
        sb.append("Measured ").append(Instant.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Keycloak ").append(System.getProperty("keycloak.version"))
                .append(" start-dev (H2) with --features=ssf, push outbox drained every 500 ms, receivers on loopback; ")
                .append(ROUNDS).append(" rounds per row after one warm-up, transmitter off and on alternating.\n\n");
        sb.append("| sessions | realm's transmitter | admin reset call, median (ms) | min..max (ms) "
                + "| last session-revoked pushed, median (ms from the call's start) |\n");
        sb.append("|---:|---|---:|---:|---:|\n");
        for (int n : SIZES) {
            for (boolean streams : new boolean[]{false, true}) {
                double[] calls = rows.stream().filter(r -> r.sessions == n && r.streams == streams).mapToDouble(Row::callMillis)
                        .sorted().toArray();
                double[] sets = rows.stream().filter(r -> r.sessions == n && r.streams == streams).mapToDouble(Row::lastSetMillis)
                        .sorted().toArray();
                sb.append(String.format(Locale.ROOT, "| %d | %s | %.0f | %.0f..%.0f | %s |%n", n,
                        streams ? "on, push + poll stream" : "off (nothing queued)", median(calls), calls[0], calls[calls.length - 1],
                        streams ? String.format(Locale.ROOT, "%.0f", median(sets)) : "-"));
            }
        }
        sb.append("\nRaw rounds (ms): ");
        sb.append(Arrays.toString(rows.stream()
                .map(r -> String.format(Locale.ROOT, "%d/%s/%.0f", r.sessions, r.streams ? "on" : "off", r.callMillis)).toArray()));
        sb.append('\n');
        return sb.toString();
    }

    private static double median(double[] sorted) {
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}
