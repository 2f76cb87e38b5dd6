package org.kcbastion.it.bench;

import org.junit.jupiter.api.BeforeAll;
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
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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
 * <p>
 * On PostgreSQL with {@code -Dit.db.log-statements=true} it also counts the statements of each measured sweep:
 * those PostgreSQL logged for Keycloak's database between the sweep's start (its debug line's time minus its
 * duration) and its debug line. Sweeps never overlap (one timer thread), and nothing else runs meanwhile.
 */
@BastionKeycloak
@DisplayName("Benchmark: session-limit sweeper")
class SweepBench {

    /** Marks the answer of {@link #awaitEnding} when no single sweep ended them all. */
    private static final String SPLIT = "split:";
    static final Pattern LINE = Pattern.compile("sweep: read (\\d+) sessions, judged (\\d+), ended (\\d+) in (\\d+) ms");

    @BeforeAll
    static void setUp(TestRealm realm) {
        RealmRepresentation rep = realm.admin().toRepresentation();
        // Keycloak's own lifetimes must not end the old sessions first: only Bastion's cap applies here.
        rep.setSsoSessionIdleTimeout(200_000);
        rep.setSsoSessionMaxLifespan(200_000);
        realm.admin().update(rep);
    }

    static final DateTimeFormatter KEYCLOAK_STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");

    /** One sweep as its debug line and PostgreSQL's log tell it; {@code sql} is null where statements are not counted. */
    record Sweep(long read, long judged, long ended, long millis, PostgresLog.Statements sql) {
    }

    /** {@code roleCapHolders}: users holding a short-capped role (none of the measured sessions is theirs), 0 for none. */
    record Row(int sessions, int expired, int roleCapHolders, Sweep ending, Sweep idle) {
    }

    /** The short role cap of the {@code :role} rows: 15 minutes, far below the realm's lifetimes. */
    static final int ROLE_CAP_SECONDS = 900;
    static final int ROLE_CAP_HOLDERS = 5;

    @Test
    void measure(KeycloakServer server, TestRealm realm) throws Exception {
        Optional<StatementLog> statements = StatementLog.of(server);
        List<Row> rows = new ArrayList<>();
        String sizes = System.getProperty("bench.sweep.sizes", "1000:0.01,1000:0.5,10000:0.01,10000:0.5,100000:0.01,100000:0.5");
        for (String spec : sizes.split(",")) {
            String[] p = spec.split(":");
            Row row = run(server, realm, statements, Integer.parseInt(p[0]), Double.parseDouble(p[1]),
                    p.length > 2 && p[2].equals("role") ? ROLE_CAP_HOLDERS : 0);
            System.out.println("sweep bench: " + row);
            rows.add(row);
        }
        StringBuilder sb = new StringBuilder();
        sb.append("Measured ").append(Instant.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Keycloak ").append(System.getProperty("keycloak.version")).append(" start-dev, db=")
                .append(System.getProperty("it.db", "h2")).append(".\n\n");
        sb.append("Rows marked *role*: a realm role capped at " + ROLE_CAP_SECONDS + " s is held by " + ROLE_CAP_HOLDERS
                + " other users (one fresh session each); every measured session is older than that cap.\n\n");
        sb.append("| sessions | past their deadline | sweep that ends them (ms) | sessions read | judged (user loaded) | ended "
                + "| statements | commits | sweep with none expired (ms) | its sessions read | its statements "
                + "| extra statements per ended session |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            Sweep e = r.ending;
            Sweep i = r.idle;
            sb.append(String.format(Locale.ROOT, "| %d%s | %d | %d | %d | %d | %d | %s | %s | %d | %d | %s | %s |%n", r.sessions,
                    r.roleCapHolders > 0 ? " *role*" : "", r.expired,
                    e.millis, e.read, e.judged, e.ended, e.sql == null ? "n/a" : e.sql.statements(),
                    e.sql == null ? "n/a" : e.sql.commits(), i.millis, i.read, i.sql == null ? "n/a" : i.sql.statements(),
                    e.sql == null || i.sql == null || e.ended == 0 ? "n/a"
                            : String.format(Locale.ROOT, "%.2f", (e.sql.statements() - i.sql.statements()) / (double) e.ended)));
        }
        for (Row r : rows) {
            if (r.ending.sql == null) continue;
            sb.append(String.format(Locale.ROOT,
                    "%nStatements of the sweep that ends %d of %d sessions, by kind (first 90 characters):%n%n",
                    r.expired, r.sessions));
            sb.append("| statement | ending sweep | sweep with none expired |\n|---|---:|---:|\n");
            Map<String, Long> idleKinds = r.idle.sql.kinds();
            r.ending.sql.kinds().entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(k -> sb.append(String.format(Locale.ROOT, "| `%s` | %d | %d |%n", k.getKey().replace("|", "\\|"),
                            k.getValue(), idleKinds.getOrDefault(k.getKey(), 0L))));
            idleKinds.keySet().stream().filter(k -> !r.ending.sql.kinds().containsKey(k))
                    .forEach(k -> sb.append(String.format(Locale.ROOT, "| `%s` | 0 | %d |%n", k.replace("|", "\\|"), idleKinds.get(k))));
        }
        System.out.println(sb);
        Path out = Path.of(System.getProperty("bench.out", "target/benchmarks/sweep.md"));
        Files.createDirectories(out.getParent());
        Files.writeString(out, sb.toString());
    }

    /** Where and how to count Keycloak's statements: PostgreSQL runs with {@code -Dit.db.log-statements=true} only. */
    record StatementLog(Path log, String database) {
        static Optional<StatementLog> of(KeycloakServer server) throws Exception {
            if (!Boolean.getBoolean("it.db.log-statements")) return Optional.empty();
            Optional<java.sql.Connection> c = server.openDatabase();
            if (c.isEmpty()) throw new AssertionError("-Dit.db.log-statements=true needs -Dit.db=postgres");
            try (java.sql.Connection connection = c.get()) {
                return Optional.of(new StatementLog(PostgresLog.path(), connection.getCatalog()));
            }
        }
    }

    private Row run(KeycloakServer server, TestRealm realm, Optional<StatementLog> statements, int sessions, double fraction,
                    int roleCapHolders) {
        realm.setAttributes(Map.of("bastion.session.maxSeconds", String.valueOf(366 * 86400)));
        String name = "sweep-" + sessions + "-" + (int) (fraction * 100) + (roleCapHolders > 0 ? "-role" : "");
        TestRealm.User user = realm.createUser(name, false);
        List<String> holders = new ArrayList<>();
        if (roleCapHolders > 0) {
            org.keycloak.representations.idm.RoleRepresentation role = new org.keycloak.representations.idm.RoleRepresentation();
            role.setName(name + "-on-call");
            role.setAttributes(Map.of("bastion.session.maxSeconds", List.of(String.valueOf(ROLE_CAP_SECONDS))));
            realm.admin().roles().create(role);
            for (int i = 0; i < roleCapHolders; i++) {
                TestRealm.User holder = realm.createUser(name + "-holder-" + i, false);
                realm.admin().users().get(holder.id()).roles().realmLevel()
                        .add(List.of(realm.admin().roles().get(name + "-on-call").toRepresentation()));
                create(realm, holder, 1);
                holders.add(holder.id());
            }
        }
        int expired = (int) Math.round(sessions * fraction);
        realm.setClockOffset(-50_000);
        create(realm, user, expired);
        realm.setClockOffset(0);
        create(realm, user, sessions - expired);
        long logFrom = statements.map(st -> PostgresLog.size(st.log())).orElse(0L);

        // The first sweep after the sessions exist may have started while they were being created: measure the second.
        int before = lines(server).size();
        awaitLine(server, before, m -> true);
        String idleLine = awaitLine(server, before + 1, m -> true);
        Sweep idle = sweep(idleLine, statements, logFrom);

        int mark = lines(server).size();
        realm.setAttributes(Map.of("bastion.session.maxSeconds", "43200"));
        String endingLine = awaitEnding(server, mark, expired);
        Sweep ending = sweep(endingLine, statements, logFrom);
        realm.admin().users().delete(user.id()).close();
        holders.forEach(id -> realm.admin().users().delete(id).close());
        if (roleCapHolders > 0) realm.admin().roles().deleteRole(name + "-on-call");
        Map<String, String> reset = new HashMap<>();
        reset.put("bastion.session.maxSeconds", null);
        realm.setAttributes(reset);
        return new Row(sessions, expired, roleCapHolders, ending, idle);
    }

    /** The sweep a debug line reports, with the statements PostgreSQL logged from its start to its line. */
    static Sweep sweep(String line, Optional<StatementLog> statements, long logFrom) {
        Matcher m = LINE.matcher(line);
        if (!m.find()) throw new AssertionError("not a sweep line: " + line);
        long millis = Long.parseLong(m.group(4));
        PostgresLog.Statements sql = statements.map(st -> {
            Instant end = LocalDateTime.parse(line.substring(0, 23), KEYCLOAK_STAMP).toInstant(ZoneOffset.UTC);
            // Both clocks are this machine's, logged to the millisecond; 10 ms either side absorbs the rounding.
            Instant start = end.minusMillis(millis + 10);
            // PostgreSQL logs a statement as it starts executing it, so the sweep's lines are all written by now.
            return PostgresLog.count(st.log(), logFrom, st.database(), start, end.plusMillis(10));
        }).orElse(null);
        return new Sweep(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), millis, sql);
    }

    private static void create(TestRealm realm, TestRealm.User user, int count) {
        for (int done = 0; done < count; done += 5000) {
            int n = Math.min(5000, count - done);
            Oidc.Reply r = realm.adminCall("POST", "bastion-test-sessions/bulk?username=" + user.username() + "&count=" + n, null);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        }
    }

    static List<String> lines(KeycloakServer server) {
        return server.log().lines().filter(l -> l.contains("Bastion session-limit sweep: read")).toList();
    }

    /**
     * The one sweep that ends all {@code expired} sessions. A cap change that lands while a sweep is running splits
     * the ending over two sweeps, which this benchmark cannot report as one: it fails at once, naming the sweeps,
     * instead of waiting out the deadline.
     */
    static String awaitEnding(KeycloakServer server, int after, int expired) {
        String line = Poll.until("the sweep that ends " + expired + " sessions", Duration.ofMinutes(10), () -> {
            List<String> all = lines(server);
            List<String> since = all.subList(Math.min(after, all.size()), all.size());
            long endedSoFar = 0;
            for (String l : since) {
                Matcher m = LINE.matcher(l);
                if (!m.find()) continue;
                long ended = Long.parseLong(m.group(3));
                if (ended >= expired) return Optional.of(l);
                endedSoFar += ended;
                // Poll retries on exceptions, so the split is answered as a value and thrown below.
                if (endedSoFar >= expired) return Optional.of(SPLIT + String.join(" / ", since));
            }
            return Optional.empty();
        });
        if (line.startsWith(SPLIT)) {
            throw new AssertionError("the " + expired + " expired sessions were ended over several sweeps ("
                    + line.substring(SPLIT.length()) + "); run again");
        }
        return line;
    }

    static String awaitLine(KeycloakServer server, int after, java.util.function.Predicate<Matcher> accept) {
        return Poll.until("a sweep line", Duration.ofMinutes(10), () -> {
            List<String> all = lines(server);
            for (String l : all.subList(Math.min(after, all.size()), all.size())) {
                Matcher m = LINE.matcher(l);
                if (m.find() && accept.test(m)) return Optional.of(l);
            }
            return Optional.empty();
        });
    }
}
