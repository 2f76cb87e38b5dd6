package org.kcbastion.it.bench;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BackchannelReceiver;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.TestRealm;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a test: the revocation benchmark (README, "Benchmarks"). For a user with N sessions (a quarter offline, spread
 * over 3 clients with back-channel URLs) it measures the admin's reset call and the time until the last back-channel
 * logout token arrived. Run with {@code ./bench/revocation}; it is not part of {@code mvn verify}.
 */
@BastionKeycloak
@DisplayName("Benchmark: revocation of N sessions on an admin password reset")
class RevocationBench {

    static final int[] SIZES = {10, 100, 1000};
    static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
    static List<TestRealm.Client> clients = new ArrayList<>();

    @BeforeAll
    static void setUp(TestRealm realm) {
        // Logins are only the setup here: a cheap hash makes creating 1,000 sessions take seconds, not minutes.
        RealmRepresentation rep = realm.admin().toRepresentation();
        rep.setPasswordPolicy("hashAlgorithm(pbkdf2-sha256) and hashIterations(1)");
        rep.setOfflineSessionMaxLifespanEnabled(false);
        realm.admin().update(rep);
        for (int i = 0; i < 3; i++) clients.add(realm.createClient("bench-app-" + i));
    }

    record Row(int sessions, int round, double callMillis, double lastTokenMillis, double allRemovedMillis, int tokens) {
    }

    @Test
    void measure(TestRealm realm) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int n : SIZES) {
            for (int round = 1; round <= ROUNDS; round++) {
                rows.add(run(realm, n, round));
            }
        }
        String table = markdown(rows);
        System.out.println(table);
        Path out = Path.of(System.getProperty("bench.out", "target/benchmarks/revocation.md"));
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
    }

    private Row run(TestRealm realm, int n, int round) throws Exception {
        TestRealm.User user = realm.createUser("bench-" + n + "-" + round, false);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Oidc.Reply>> logins = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                TestRealm.Client c = clients.get(i % 3);
                boolean offline = i % 4 == 3;
                logins.add(pool.submit(() -> offline
                        ? realm.oidc().offlineGrant(c.clientId(), c.secret(), user.username(), user.password())
                        : realm.oidc().passwordGrant(c.clientId(), c.secret(), user.username(), user.password())));
            }
            for (Future<Oidc.Reply> f : logins) assertThat(f.get().status()).isEqualTo(200);
        } finally {
            pool.shutdown();
        }
        BackchannelReceiver receiver = realm.backchannel();
        receiver.clear();
        CredentialRepresentation password = TestRealm.newPassword(false);

        long start = System.nanoTime();
        realm.admin().users().get(user.id()).resetPassword(password);
        long answered = System.nanoTime();
        List<BackchannelReceiver.LogoutToken> tokens = Poll.until(n + " logout tokens", Duration.ofSeconds(60), () -> {
            List<BackchannelReceiver.LogoutToken> mine = receiver.received().stream()
                    .filter(t -> user.id().equals(t.sub())).toList();
            return mine.size() >= n ? java.util.Optional.of(mine) : java.util.Optional.empty();
        });
        long last = tokens.stream().mapToLong(BackchannelReceiver.LogoutToken::receivedAtNanos).max().orElseThrow();
        Poll.untilTrue("every session removed", Duration.ofSeconds(60), () ->
                realm.admin().users().get(user.id()).getUserSessions().isEmpty()
                        && clients.stream().allMatch(c -> realm.admin().users().get(user.id()).getOfflineSessions(c.uuid()).isEmpty()));
        long removed = System.nanoTime();
        return new Row(n, round, (answered - start) / 1e6, (last - start) / 1e6, (removed - start) / 1e6, tokens.size());
    }

    private static String markdown(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("Measured ").append(Instant.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Keycloak ").append(System.getProperty("keycloak.version"))
                .append(" start-dev (H2), receiver on loopback.\n\n");
        sb.append("| sessions | round | admin reset call (ms) | last back-channel token (ms) "
                + "| all rows removed, seen by the admin API (ms, upper bound) | tokens |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %d | %d | %.0f | %.0f | %.0f | %d |%n", r.sessions, r.round, r.callMillis,
                    r.lastTokenMillis, r.allRemovedMillis, r.tokens));
        }
        sb.append("\nAll times are measured from the start of the admin's call.\n");
        return sb.toString();
    }
}
