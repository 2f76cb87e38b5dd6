package org.kcbastion.it.bench;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.BastionKeycloak;
import org.kcbastion.it.harness.KeycloakServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.PostgresLog;
import org.kcbastion.it.harness.TestRealm;
import org.keycloak.representations.idm.RealmRepresentation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a test: the sweeper at a large tenant's scale ({@code ./bench/sweep-scale}). PostgreSQL only. Spreads S sessions
 * (default 1,000,000) over four realms, a fifth of each realm's offline, and a fraction (default 1%) of the online
 * ones started 40,000 s ago: not due under the 12 h realm cap set everywhere. It measures a sweep (none due), then
 * moves Keycloak's clock 5,000 s on, which makes exactly those sessions due in every realm at once, and measures the first sweep that
 * started after that (its debug line's time minus its duration). Statements are counted from PostgreSQL's log as in {@link SweepBench}.
 * <p>
 * The sessions are copies of one session per realm that Keycloak created (the test-only bulk provider), inserted
 * with SQL: creating a million through Keycloak's API would take most of an hour and measures nothing the sweep does.
 * Keycloak reads a copy like any other session row (the session cache does not hold them; they load on demand).
 */
@BastionKeycloak
@DisplayName("Benchmark: session-limit sweeper at scale")
class SweepScaleBench {

    static final int REALMS = 4;
    static final long AGE_OF_DUE = 40_000;
    static final long CLOCK_STEP = 5_000;

    record Realm(TestRealm realm, long online, long offline, long due) {
    }

    @Test
    void measure(KeycloakServer server, TestRealm testRealm) throws Exception {
        SweepBench.StatementLog statements = SweepBench.StatementLog.of(server)
                .orElseThrow(() -> new AssertionError("run with -Dit.db=postgres -Dit.db.log-statements=true (./bench/sweep-scale)"));
        long total = Long.getLong("bench.sweep.scale.sessions", 1_000_000);
        double fraction = Double.parseDouble(System.getProperty("bench.sweep.scale.due", "0.01"));
        long perRealm = total / REALMS;
        long offline = perRealm / 5;
        long due = Math.round(perRealm * fraction);
        List<Realm> realms = new ArrayList<>();
        long seedStart = System.nanoTime();
        for (int i = 0; i < REALMS; i++) {
            TestRealm realm = i == 0 ? testRealm : TestRealm.createOn(server, testRealm.name() + "-" + i);
            prepare(realm);
            seed(server, realm, perRealm - offline, offline, due);
            realms.add(new Realm(realm, perRealm - offline, offline, due));
        }
        try (Connection c = server.openDatabase().orElseThrow(); Statement st = c.createStatement()) {
            // What autovacuum does after a bulk load: the planner needs the table's statistics.
            st.execute("VACUUM ANALYZE offline_user_session");
        }
        long seedMillis = (System.nanoTime() - seedStart) / 1_000_000;
        String plan = plan(server, testRealm);
        long logFrom = PostgresLog.size(statements.log());

        int before = SweepBench.lines(server).size();
        SweepBench.awaitLine(server, before, m -> true);
        SweepBench.Sweep idle = SweepBench.sweep(SweepBench.awaitLine(server, before + 1, m -> true),
                java.util.Optional.of(statements), logFrom);

        long dueTotal = due * REALMS;
        // Right after a sweep ends, so that no sweep runs while the clock moves (./bench/sweep-scale sets a 30 s interval).
        SweepBench.awaitLine(server, SweepBench.lines(server).size(), m -> true);
        Instant shifted = Instant.now();
        testRealm.setClockOffset(CLOCK_STEP);
        SweepBench.Sweep ending;
        try {
            // The first sweep that started after the clock moved (a full sweep, however long the previous one ran).
            String line = Poll.until("a sweep that started after the clock moved", Duration.ofMinutes(10),
                    () -> SweepBench.lines(server).stream().filter(l -> started(l).isAfter(shifted)).findFirst());
            ending = SweepBench.sweep(line, java.util.Optional.of(statements), logFrom);
        } finally {
            testRealm.setClockOffset(0);
        }
        for (Realm r : realms) {
            if (r.realm() != testRealm) r.realm().close();
        }

        StringBuilder sb = new StringBuilder();
        sb.append("Measured ").append(Instant.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Keycloak ").append(System.getProperty("keycloak.version")).append(" start-dev, PostgreSQL; ")
                .append(String.format(Locale.ROOT, "%,d sessions in %d realms (%,d online and %,d offline each), seeded in %,d ms.%n%n",
                        total, REALMS, perRealm - offline, offline, seedMillis));
        sb.append("| sweep | due | read | judged (loaded) | ended | time (ms) | statements | commits | statements per ended session |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        row(sb, "none due", 0, idle, 0);
        row(sb, "1% due".replace("1", String.valueOf(Math.round(fraction * 100))), dueTotal, ending, idle.sql().statements());
        sb.append(String.format(Locale.ROOT, "%nStatements of the sweep with none due, by kind:%n%n| statement | count |%n|---|---:|%n"));
        idle.sql().kinds().entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(k -> sb.append(String.format(Locale.ROOT, "| `%s` | %d |%n", k.getKey().replace("|", "\\|"), k.getValue())));
        sb.append(String.format(Locale.ROOT, "%nStatements of the sweep that ends %,d, by kind:%n%n| statement | count |%n|---|---:|%n",
                dueTotal));
        ending.sql().kinds().entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(k -> sb.append(String.format(Locale.ROOT, "| `%s` | %d |%n", k.getKey().replace("|", "\\|"), k.getValue())));
        sb.append(String.format(Locale.ROOT, "%nPostgreSQL's plan for the candidate query of one realm (the SQL Hibernate sends for"
                + " `SweepCandidates`, with the floors of the sweep with none due):%n%n```%n%s```%n", plan));
        System.out.println(sb);
        Path out = Path.of(System.getProperty("bench.out", "target/benchmarks/sweep-scale.md"));
        Files.createDirectories(out.getParent());
        Files.writeString(out, sb.toString());
        assertThat(ending.ended()).isGreaterThanOrEqualTo(dueTotal);
    }

    /** {@code EXPLAIN ANALYZE} of the candidate query for one realm, as of now with the 12 h cap and the default offline cap. */
    private static String plan(KeycloakServer server, TestRealm realm) throws Exception {
        String realmId = realm.admin().toRepresentation().getId();
        long now = Instant.now().getEpochSecond();
        String sql = "EXPLAIN ANALYZE SELECT user_session_id, offline_flag FROM offline_user_session WHERE realm_id = ? AND ("
                + " (offline_flag = '1' AND remember_me = false AND created_on <= ?)"
                + " OR (offline_flag = '1' AND remember_me = true AND created_on <= ?)"
                + " OR (offline_flag = '1' AND remember_me IS NULL AND created_on <= ?)"
                + " OR (offline_flag = '0' AND remember_me = false AND created_on <= ?)"
                + " OR (offline_flag = '0' AND remember_me = true AND created_on <= ?)"
                + " OR (offline_flag = '0' AND remember_me IS NULL AND created_on <= ?))";
        long[] floors = {3_888_000, 3_888_000, 3_888_000, 43_200, 2_592_000, 43_200};
        StringBuilder plan = new StringBuilder();
        try (Connection c = server.openDatabase().orElseThrow(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, realmId);
            for (int i = 0; i < floors.length; i++) ps.setInt(i + 2, (int) (now - floors[i]));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) plan.append(rs.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }

    /** When the sweep a debug line reports began: the line's time minus the duration it states. */
    private static Instant started(String line) {
        Matcher m = SweepBench.LINE.matcher(line);
        if (!m.find()) return Instant.MIN;
        return LocalDateTime.parse(line.substring(0, 23), SweepBench.KEYCLOAK_STAMP).toInstant(ZoneOffset.UTC)
                .minusMillis(Long.parseLong(m.group(4)));
    }

    private static void row(StringBuilder sb, String name, long due, SweepBench.Sweep s, long idleStatements) {
        sb.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %s |%n",
                name, due, s.read(), s.judged(), s.ended(), s.millis(), s.sql().statements(), s.sql().commits(),
                s.ended() == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", (s.sql().statements() - idleStatements) / (double) s.ended())));
    }

    /** Keycloak's own lifetimes must not end the copies first; Bastion's realm cap is 12 h everywhere. */
    private static void prepare(TestRealm realm) {
        RealmRepresentation rep = realm.admin().toRepresentation();
        rep.setSsoSessionIdleTimeout(200_000);
        rep.setSsoSessionMaxLifespan(200_000);
        rep.setOfflineSessionIdleTimeout(5_000_000);
        realm.admin().update(rep);
        realm.setAttributes(Map.of("bastion.session.maxSeconds", "43200"));
    }

    /** One session through Keycloak, then copies of its row: online (some started {@link #AGE_OF_DUE} ago) and offline. */
    private static void seed(KeycloakServer server, TestRealm realm, long online, long offline, long due) throws Exception {
        TestRealm.User user = realm.createUser("scale", false);
        Oidc.Reply r = realm.adminCall("POST", "bastion-test-sessions/bulk?username=" + user.username() + "&count=1", null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        try (Connection c = server.openDatabase().orElseThrow()) {
            String template;
            try (PreparedStatement ps = c.prepareStatement("SELECT user_session_id FROM offline_user_session WHERE user_id = ?")) {
                ps.setString(1, user.id());
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).as("the template session's row").isTrue();
                    template = rs.getString(1);
                }
            }
            copy(c, template, "0", 0, online - 1 - due);
            copy(c, template, "0", AGE_OF_DUE, due);
            copy(c, template, "1", 0, offline);
        }
    }

    private static void copy(Connection c, String template, String offlineFlag, long age, long count) throws Exception {
        if (count <= 0) return;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO offline_user_session (user_session_id, user_id, realm_id, created_on,"
                + " last_session_refresh, broker_session_id, version, offline_flag, data, remember_me)"
                + " SELECT gen_random_uuid()::text, s.user_id, s.realm_id, s.created_on - ?, s.last_session_refresh, s.broker_session_id,"
                + " s.version, ?, s.data, s.remember_me FROM offline_user_session s CROSS JOIN generate_series(1, ?) g"
                + " WHERE s.user_session_id = ? AND s.offline_flag = '0'")) {
            ps.setLong(1, age);
            ps.setString(2, offlineFlag);
            ps.setLong(3, count);
            ps.setString(4, template);
            assertThat(ps.executeUpdate()).isEqualTo((int) count);
        }
    }
}
