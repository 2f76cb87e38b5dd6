package org.kcbastion.it.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.MailServer;
import org.kcbastion.it.harness.Oidc;
import org.kcbastion.it.harness.Poll;
import org.kcbastion.it.harness.PostgresLog;
import org.kcbastion.it.harness.ProductionServer;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a test: what Bastion costs against stock Keycloak (issue 8), run with {@code ./bench/cost}. Two Keycloak
 * servers (the distribution under test) in production mode with the same heap and the same realm, one with the Bastion JAR and one without:
 * <ol>
 *   <li>exact counters per operation: SQL statements PostgreSQL executed for the server's database and the server
 *   JVM's CPU time from {@code /proc}, averaged over many operations, repeated and alternated;</li>
 *   <li>A/B throughput, alternating the two servers one at a time, several rounds, reported as the Bastion/stock ratio
 *   with its 95% interval;</li>
 *   <li>heap after 10,000 sessions, after a full GC.</li>
 * </ol>
 * Writes {@code benchmarks.json}, {@code benchmarks.md} and PNG charts into {@code -Dbench.out.dir}.
 */
@DisplayName("Benchmark: Bastion against stock Keycloak")
class CostBench {

    static final String REALM = "bench";
    static final String CLIENT = "bench-app";
    static final String SECRET = "bench-app-secret-0123456789";
    static final String REDIRECT = "http://127.0.0.1/cb";
    static final String PASSWORD = "Bench-Password-1";
    static final int REPS = Integer.getInteger("bench.reps", 3);
    static final int ROUNDS = Integer.getInteger("bench.rounds", 16);
    /** Rounds go on past {@link #ROUNDS} until the ratio's 95% interval is within ±{@link #AB_PRECISION}, up to this. */
    static final int MAX_ROUNDS = Integer.getInteger("bench.rounds.max", 48);
    static final double AB_PRECISION = 0.05;
    static final int ROUND_SECONDS = Integer.getInteger("bench.seconds", 6);
    static final int WARMUP_SECONDS = Integer.getInteger("bench.warmup.seconds", 20);
    static final int HEAP_SESSIONS = Integer.getInteger("bench.heap.sessions", 10_000);
    static final int PROFILE_RUNS = Integer.getInteger("bench.profile.runs", 4);
    static final int PROFILE_SECONDS = Integer.getInteger("bench.profile.seconds", 60);
    static final Path OUT = Path.of(System.getProperty("bench.out.dir", "target/benchmarks"));
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One server with its realm and the state the operations need. */
    static final class Target {
        final ProductionServer server;
        final Oidc oidc;
        String userId;
        String resetUserId;
        String refreshToken;
        String offlineToken;
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final AtomicLong resets = new AtomicLong();

        Target(ProductionServer server) {
            this.server = server;
            this.oidc = Oidc.at(server.baseUrl(), REALM);
        }

        String label() {
            return server.name();
        }
    }

    /** An operation run many times; {@code run} throws unless Keycloak answered as it should. */
    record Op(String name, int count, int warmup, java.util.function.Consumer<Target> run) {
    }

    static final List<Op> OPS = List.of(
            new Op("refresh", 1000, 2000, t -> ok(t.oidc.refresh(CLIENT, SECRET, t.refreshToken), "refresh")),
            new Op("offline refresh", 1000, 2000, t -> ok(t.oidc.refresh(CLIENT, SECRET, t.offlineToken), "offline refresh")),
            new Op("authorization-code login", 100, 50, CostBench::codeLogin),
            new Op("password grant", 100, 50, t -> ok(t.oidc.passwordGrant(CLIENT, SECRET, "bench-user", PASSWORD), "password grant")),
            new Op("admin reset", 50, 20, CostBench::adminReset));

    static void ok(Oidc.Reply r, String what) {
        if (r.status() != 200) throw new AssertionError(what + " answered " + r.status() + ": " + r.body());
    }

    static void codeLogin(Target t) {
        Oidc.Browser b = t.oidc.browser();
        String code = b.authorize(CLIENT, REDIRECT, "bench-user", PASSWORD, null)
                .orElseThrow(() -> new AssertionError("no code: " + b.page().text()));
        ok(t.oidc.exchangeCode(CLIENT, SECRET, code, REDIRECT), "code exchange");
    }

    static void adminReset(Target t) {
        String body = "{\"type\":\"password\",\"value\":\"Reset-Password-" + t.resets.incrementAndGet() + "\",\"temporary\":false}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(t.server.baseUrl() + "/admin/realms/" + REALM + "/users/" + t.resetUserId + "/reset-password"))
                .header("Authorization", "Bearer " + t.server.admin().tokenManager().getAccessTokenString())
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> r = t.http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 204) throw new AssertionError("reset answered " + r.statusCode() + ": " + r.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Counters of one window: {@code ops} operations on one server. */
    record Window(String server, String op, int rep, int ops, double cpuSeconds, long statements, long commits, double wallSeconds,
                  Map<String, Long> kinds) {
        double cpuMillisPerOp() {
            return cpuSeconds * 1000 / ops;
        }

        double statementsPerOp() {
            return (double) statements / ops;
        }
    }

    @Test
    void measure() throws Exception {
        Files.createDirectories(OUT);
        Path pgLog = PostgresLog.path();
        assertThat(Files.isReadable(pgLog)).as("PostgreSQL's log must be readable: " + pgLog).isTrue();
        long runStart = Files.size(pgLog);
        try (MailServer mail = new MailServer();
             ProductionServer stock = ProductionServer.start("stock", false, List.of());
             ProductionServer bastion = ProductionServer.start("bastion", true, List.of(
                     // Sweeps have their own benchmark (./bench/sweep); here they would land in random windows.
                     "--spi-bastion-session-limit--default--sweep-interval=86400",
                     "--spi-events-listener--bastion-security--hmac-key=bench-hmac-key-0123456789abcdef0123456789abcdef"))) {
            List<Target> targets = List.of(new Target(stock), new Target(bastion));
            for (Target t : targets) setUp(t, mail);

            Map<String, Object> idle = new LinkedHashMap<>();
            for (Target t : targets) idle.put(t.label(), idleWindow(t, pgLog));

            List<Window> windows = new ArrayList<>();
            for (Op op : OPS) {
                for (Target t : targets) repeat(op.warmup(), () -> op.run().accept(t));
                for (int rep = 1; rep <= REPS; rep++) {
                    // Alternate which server goes first, so drift (JIT, disk, the other core) does not favour one.
                    List<Target> order = rep % 2 == 1 ? targets : List.of(targets.get(1), targets.get(0));
                    for (Target t : order) windows.add(window(t, op, rep, pgLog));
                }
            }
            windows.forEach(w -> System.out.printf(Locale.ROOT, "%-8s %-26s rep %d: %.3f ms CPU/op, %.2f statements/op, %.2f commits/op%n",
                    w.server(), w.op(), w.rep(), w.cpuMillisPerOp(), w.statementsPerOp(), (double) w.commits() / w.ops()));

            Map<String, List<double[]>> throughput = new LinkedHashMap<>();
            for (String op : List.of("refresh", "offline refresh", "authorization-code login")) {
                throughput.put(op, abRounds(targets, op));
            }

            // Where the Bastion server's CPU goes under refresh load: Bastion's own share of JFR's execution samples.
            // Stock is recorded too, in turns: its share of samples expanding the user's roles is the yardstick for Bastion's.
            ProfileBench.Profile profile = null;
            ProfileBench.Profile stockProfile = null;
            for (int i = 0; i < PROFILE_RUNS; i++) {
                for (Target t : i % 2 == 0 ? List.of(targets.get(1), targets.get(0)) : targets) {
                    Path file = OUT.resolve("bench-profile-" + t.label() + "-" + i + ".jfr");
                    ProfileBench.record(t, "refresh", PROFILE_SECONDS, file);
                    ProfileBench.Profile p = ProfileBench.analyse(file);
                    Files.delete(file);
                    if (t == targets.get(1)) profile = profile == null ? p : merge(profile, p);
                    else stockProfile = stockProfile == null ? p : merge(stockProfile, p);
                }
            }

            Map<String, Double> heapPerSession = new LinkedHashMap<>();
            for (Target t : targets) heapPerSession.put(t.label(), heapPerSession(t));

            // Time-driven statements both servers issue on their own, counted over the whole run.
            Map<String, Map<String, Long>> background = new LinkedHashMap<>();
            Map<String, Long> stockWholeRun = targets.get(0).server.statementsSince(pgLog, runStart).kinds();
            for (Target t : targets) {
                Map<String, Long> kinds = new java.util.TreeMap<>();
                t.server.statementsSince(pgLog, runStart).kinds().forEach((k, n) -> {
                    if (background(k)) kinds.put(k, n);
                });
                background.put(t.label(), kinds);
            }
            write(targets, idle, windows, throughput, heapPerSession, background, stockWholeRun.keySet(), profile, stockProfile);
        }
    }

    static void repeat(int n, Runnable r) {
        for (int i = 0; i < n; i++) r.run();
    }

    // ---------------------------------------------------------------- setup

    static void setUp(Target t, MailServer mail) {
        RealmRepresentation rep = new RealmRepresentation();
        rep.setRealm(REALM);
        rep.setEnabled(true);
        rep.setSmtpServer(new HashMap<>(mail.realmSmtpConfig()));
        // Bastion's policy: a realm cap; the client and three roles add their own caps (the refresh path's worst case).
        rep.setAttributes(Map.of("bastion.session.maxSeconds", "36000"));
        // Keycloak's default, argon2, is bimodal across JVM starts on these machines (a first run measured stock at
        // 15 to 23 logins/s and Bastion at 26 to 38: the start decided, not Bastion). PBKDF2 costs the same every start.
        rep.setPasswordPolicy("hashAlgorithm(pbkdf2-sha512)");
        t.server.admin().realms().create(rep);
        RealmResource realm = t.server.admin().realm(REALM);

        ClientRepresentation client = new ClientRepresentation();
        client.setClientId(CLIENT);
        client.setSecret(SECRET);
        client.setPublicClient(false);
        client.setDirectAccessGrantsEnabled(true);
        client.setStandardFlowEnabled(true);
        client.setRedirectUris(List.of(REDIRECT));
        client.setAttributes(Map.of("bastion.session.maxSeconds", "30000"));
        realm.clients().create(client).close();

        List<RoleRepresentation> roles = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            RoleRepresentation role = new RoleRepresentation("capped-" + i, null, false);
            role.setAttributes(Map.of("bastion.session.maxSeconds", List.of(Integer.toString(20000 + i * 1000))));
            realm.roles().create(role);
            roles.add(realm.roles().get("capped-" + i).toRepresentation());
        }
        t.userId = createUser(realm, "bench-user");
        realm.users().get(t.userId).roles().realmLevel().add(roles);
        t.resetUserId = createUser(realm, "reset-user");

        Oidc.Reply online = t.oidc.passwordGrant(CLIENT, SECRET, "bench-user", PASSWORD);
        ok(online, "first login");
        t.refreshToken = online.text("refresh_token");
        Oidc.Reply offline = t.oidc.offlineGrant(CLIENT, SECRET, "bench-user", PASSWORD);
        ok(offline, "offline login");
        t.offlineToken = offline.text("refresh_token");
    }

    static String createUser(RealmResource realm, String username) {
        UserRepresentation u = new UserRepresentation();
        u.setUsername(username);
        u.setEmail(username + "@bench.test");
        u.setFirstName("Bench");
        u.setLastName("User");
        u.setEmailVerified(true);
        u.setEnabled(true);
        CredentialRepresentation c = new CredentialRepresentation();
        c.setType("password");
        c.setValue(PASSWORD);
        c.setTemporary(false);
        u.setCredentials(List.of(c));
        try (var r = realm.users().create(u)) {
            assertThat(r.getStatus()).isEqualTo(201);
            String path = r.getLocation().getPath();
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    // ---------------------------------------------------------------- counters

    /** Waits until PostgreSQL has logged nothing new for this database for a second (batched session writes land). */
    static PostgresLog.Statements settle(Target t, Path pgLog, long from) {
        PostgresLog.Statements[] last = {t.server.statementsSince(pgLog, from)};
        long[] stableSince = {System.nanoTime()};
        Poll.untilTrue("the statement count of " + t.label() + " settles", Duration.ofSeconds(60), () -> {
            PostgresLog.Statements now = t.server.statementsSince(pgLog, from);
            if (!now.equals(last[0])) {
                last[0] = now;
                stableSince[0] = System.nanoTime();
            }
            return System.nanoTime() - stableSince[0] > Duration.ofSeconds(1).toNanos();
        });
        return last[0];
    }

    static Window window(Target t, Op op, int rep, Path pgLog) throws IOException {
        settle(t, pgLog, Files.size(pgLog));
        if (op.name().equals("admin reset")) t.server.admin().tokenManager().grantToken();
        long from = Files.size(pgLog);
        double cpu0 = t.server.cpuSeconds();
        long t0 = System.nanoTime();
        repeat(op.count(), () -> op.run().accept(t));
        double wall = (System.nanoTime() - t0) / 1e9;
        PostgresLog.Statements s = settle(t, pgLog, from);
        double cpu = t.server.cpuSeconds() - cpu0;
        return new Window(t.label(), op.name(), rep, op.count(), cpu, s.statements(), s.commits(), wall, s.kinds());
    }

    /** Ten seconds with no requests: what the server does on its own. */
    static Map<String, Object> idleWindow(Target t, Path pgLog) throws IOException {
        settle(t, pgLog, Files.size(pgLog));
        long from = Files.size(pgLog);
        double cpu0 = t.server.cpuSeconds();
        long t0 = System.nanoTime();
        Poll.untilTrue("ten idle seconds", Duration.ofSeconds(12), () -> System.nanoTime() - t0 >= Duration.ofSeconds(10).toNanos());
        double seconds = (System.nanoTime() - t0) / 1e9;
        PostgresLog.Statements s = t.server.statementsSince(pgLog, from);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", round(seconds, 1));
        m.put("cpu_ms_per_s", round((t.server.cpuSeconds() - cpu0) * 1000 / seconds, 2));
        m.put("statements", s.statements());
        m.put("kinds", s.kinds());
        return m;
    }

    // ---------------------------------------------------------------- A/B throughput

    /** Operations a second with {@code workers} clients for a fixed time, each client with its own session. */
    static double throughput(Target t, String op, Duration duration) throws Exception {
        int workers = op.equals("authorization-code login") ? 4 : 8;
        List<Supplier<Oidc.Reply>> clients = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            switch (op) {
                case "refresh" -> {
                    String rt = t.oidc.passwordGrant(CLIENT, SECRET, "bench-user", PASSWORD).text("refresh_token");
                    clients.add(() -> t.oidc.refresh(CLIENT, SECRET, rt));
                }
                case "offline refresh" -> {
                    String rt = t.oidc.offlineGrant(CLIENT, SECRET, "bench-user", PASSWORD).text("refresh_token");
                    clients.add(() -> t.oidc.refresh(CLIENT, SECRET, rt));
                }
                default -> clients.add(() -> {
                    codeLogin(t);
                    return null;
                });
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            long end = System.nanoTime() + duration.toNanos();
            long started = System.nanoTime();
            List<Future<long[]>> results = new ArrayList<>();
            for (Supplier<Oidc.Reply> c : clients) {
                results.add(pool.submit(() -> {
                    long done = 0;
                    long failed = 0;
                    while (System.nanoTime() < end) {
                        Oidc.Reply r = c.get();
                        if (r == null || r.status() == 200) done++;
                        else failed++;
                    }
                    return new long[]{done, failed};
                }));
            }
            long done = 0;
            for (Future<long[]> f : results) {
                long[] r = f.get();
                assertThat(r[1]).as("failed %s requests on %s", op, t.label()).isZero();
                done += r[0];
            }
            return done / ((System.nanoTime() - started) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Rounds of {stock, bastion} ops/s, the order alternating; one unrecorded warm-up round each. At least
     * {@link #ROUNDS}, then more until the 95% interval of the ratio is within ±{@link #AB_PRECISION} of it (or
     * {@link #MAX_ROUNDS}): round-to-round noise differs per operation, so a fixed count over- or under-serves some.
     */
    static List<double[]> abRounds(List<Target> targets, String op) throws Exception {
        for (Target t : targets) throughput(t, op, Duration.ofSeconds(WARMUP_SECONDS));
        List<double[]> rounds = new ArrayList<>();
        for (int r = 0; r < MAX_ROUNDS && (r < ROUNDS || relativeHalfWidth(rounds) > AB_PRECISION); r++) {
            double[] pair = new double[2];
            int first = r % 2;
            pair[first] = throughput(targets.get(first), op, Duration.ofSeconds(ROUND_SECONDS));
            pair[1 - first] = throughput(targets.get(1 - first), op, Duration.ofSeconds(ROUND_SECONDS));
            System.out.printf(Locale.ROOT, "A/B %-26s round %d: stock %.1f/s, bastion %.1f/s, ratio %.3f%n", op, r + 1, pair[0], pair[1], pair[1] / pair[0]);
            rounds.add(pair);
        }
        return rounds;
    }

    /** Half-width of the ratio's 95% interval, relative to the ratio. */
    static double relativeHalfWidth(List<double[]> rounds) {
        List<Double> ratios = rounds.stream().map(p -> p[1] / p[0]).toList();
        if (ratios.size() < 2) return Double.POSITIVE_INFINITY;
        return t95(ratios.size()) * sd(ratios) / Math.sqrt(ratios.size()) / mean(ratios);
    }

    // ---------------------------------------------------------------- heap

    /** Bytes of heap per session: after a full GC, before and after {@link #HEAP_SESSIONS} password-grant sessions. */
    static double heapPerSession(Target t) throws Exception {
        RealmResource realm = t.server.admin().realm(REALM);
        // Only the setup: a cheap hash so that 10,000 logins take seconds. Set last, it changes what logins cost.
        RealmRepresentation rep = realm.toRepresentation();
        rep.setPasswordPolicy("hashAlgorithm(pbkdf2-sha256) and hashIterations(1)");
        realm.update(rep);
        String heapUser = createUser(realm, "heap-user");
        long before = t.server.heapAfterGc();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> logins = new ArrayList<>();
            for (int i = 0; i < HEAP_SESSIONS; i++) {
                logins.add(pool.submit(() -> t.oidc.passwordGrant(CLIENT, SECRET, "heap-user", PASSWORD).status()));
            }
            for (Future<Integer> f : logins) assertThat(f.get()).isEqualTo(200);
        } finally {
            pool.shutdown();
        }
        long after = t.server.heapAfterGc();
        int sessions = realm.users().get(heapUser).getUserSessions().size();
        System.out.printf(Locale.ROOT, "%s heap after GC: %d MiB before, %d MiB after %d sessions (%d listed)%n", t.label(),
                before >> 20, after >> 20, HEAP_SESSIONS, sessions);
        return (double) (after - before) / HEAP_SESSIONS;
    }

    // ---------------------------------------------------------------- report

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    static double sd(List<Double> v) {
        double m = mean(v);
        return v.size() < 2 ? 0 : Math.sqrt(v.stream().mapToDouble(x -> (x - m) * (x - m)).sum() / (v.size() - 1));
    }

    /** Student's t, two-sided 95%, for n - 1 degrees of freedom up to 12. */
    /** Student's t, 97.5% quantile, for the mean of {@code n} values ({@code n - 1} degrees of freedom). */
    static double t95(int n) {
        double[] t = {Double.NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
                2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052,
                2.048, 2.045, 2.042};
        int df = n - 1;
        if (df < t.length) return t[df];
        // Past 30 degrees of freedom: the Cornish-Fisher expansion around the normal quantile, within 0.001 of the table.
        double z = 1.959964;
        return z + (z * z * z + z) / (4.0 * df) + (5 * Math.pow(z, 5) + 16 * z * z * z + 3 * z) / (96.0 * df * df);
    }

    /**
     * Statements Keycloak issues on a timer whatever the requests: its JGroups discovery table ({@code jdbc-ping} keeps
     * its row fresh even with {@code --cache=local}). They land in whichever window is open, so they are reported
     * over the whole run, not per operation.
     */
    static boolean background(String kind) {
        return kind.contains("JGROUPS_PING");
    }

    static ProfileBench.Profile merge(ProfileBench.Profile a, ProfileBench.Profile b) {
        return new ProfileBench.Profile(a.samples() + b.samples(), a.withBastion() + b.withBastion(), a.own() + b.own(),
                sum(a.ownByFrame(), b.ownByFrame()), sum(a.outermost(), b.outermost()), sum(a.inclusive(), b.inclusive()),
                a.roleExpansion() + b.roleExpansion(), sum(a.ownCallees(), b.ownCallees()));
    }

    static Map<String, Long> sum(Map<String, Long> a, Map<String, Long> b) {
        Map<String, Long> m = new java.util.HashMap<>(a);
        b.forEach((k, v) -> m.merge(k, v, Long::sum));
        return m;
    }

    static void write(List<Target> targets, Map<String, Object> idle, List<Window> windows, Map<String, List<double[]>> throughput,
                      Map<String, Double> heapPerSession, Map<String, Map<String, Long>> background,
                      java.util.Set<String> stockKinds, ProfileBench.Profile profile, ProfileBench.Profile stockProfile) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("date", LocalDate.now().toString());
        json.put("machine", machine());
        json.put("keycloak", System.getProperty("keycloak.version") + ", kc.sh start --optimized, --db=postgres --cache=local, heap " + ProductionServer.HEAP);
        json.put("idle", idle);

        List<Map<String, Object>> counters = new ArrayList<>();
        StringBuilder counterRows = new StringBuilder();
        List<String> opNames = OPS.stream().map(Op::name).toList();
        Map<String, double[]> cpuMeans = new LinkedHashMap<>();
        Map<String, double[]> sqlMeans = new LinkedHashMap<>();
        for (Op op : OPS) {
            double[] cpu = new double[2];
            double[] sql = new double[2];
            double[] cpuSd = new double[2];
            double[] commits = new double[2];
            for (int i = 0; i < 2; i++) {
                String server = targets.get(i).label();
                List<Window> ws = windows.stream().filter(w -> w.op().equals(op.name()) && w.server().equals(server)).toList();
                List<Double> c = ws.stream().map(Window::cpuMillisPerOp).toList();
                cpu[i] = mean(c);
                cpuSd[i] = sd(c);
                sql[i] = mean(ws.stream().map(Window::statementsPerOp).toList());
                commits[i] = mean(ws.stream().map(w -> (double) w.commits() / w.ops()).toList());
            }
            cpuMeans.put(op.name(), cpu);
            sqlMeans.put(op.name(), sql);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("operation", op.name());
            row.put("operations_per_window", op.count());
            row.put("windows_per_server", REPS);
            row.put("stock_cpu_ms_per_op", round(cpu[0], 3));
            row.put("stock_cpu_ms_sd", round(cpuSd[0], 3));
            row.put("bastion_cpu_ms_per_op", round(cpu[1], 3));
            row.put("bastion_cpu_ms_sd", round(cpuSd[1], 3));
            row.put("cpu_ratio", round(cpu[1] / cpu[0], 4));
            row.put("stock_statements_per_op", round(sql[0], 3));
            row.put("bastion_statements_per_op", round(sql[1], 3));
            row.put("extra_statements_per_op", round(sql[1] - sql[0], 3));
            row.put("stock_commits_per_op", round(commits[0], 3));
            row.put("bastion_commits_per_op", round(commits[1], 3));
            counters.add(row);
            counterRows.append(String.format(Locale.ROOT, "| %s | %d × %d | %.2f | %.2f | %+.2f | %.3f ± %.3f | %.3f ± %.3f | %.3f |%n",
                    op.name(), REPS, op.count(), sql[0], sql[1], sql[1] - sql[0], cpu[0], cpuSd[0], cpu[1], cpuSd[1], cpu[1] / cpu[0]));
        }
        json.put("counters", counters);

        // Which statements Bastion adds, by kind: the exact answer where totals carry time-driven batched writes.
        StringBuilder kindRows = new StringBuilder();
        Map<String, List<String>> bastionOnly = new LinkedHashMap<>();
        for (Op op : OPS) {
            Map<String, double[]> perOp = new java.util.TreeMap<>();
            for (int i = 0; i < 2; i++) {
                String server = targets.get(i).label();
                List<Window> ws = windows.stream().filter(w -> w.op().equals(op.name()) && w.server().equals(server)).toList();
                long ops = ws.stream().mapToLong(Window::ops).sum();
                int idx = i;
                ws.forEach(w -> w.kinds().forEach((k, n) -> perOp.computeIfAbsent(k, x -> new double[2])[idx] += (double) n / ops));
            }
            List<String> only = new ArrayList<>();
            perOp.forEach((k, v) -> {
                // Keycloak's own timers (session expiry, JGroups discovery) land in whichever window is open; a kind
                // is Bastion's only if stock never issued it in the whole run.
                if (v[0] == 0 && v[1] > 0 && !background(k) && !stockKinds.contains(k)) only.add(k);
                if (Math.abs(v[1] - v[0]) >= 0.02) {
                    kindRows.append(String.format(Locale.ROOT, "| %s | `%s` | %.3f | %.3f | %+.3f |%n", op.name(),
                            k.replace("|", "\\|"), v[0], v[1], v[1] - v[0]));
                }
            });
            bastionOnly.put(op.name(), only);
        }
        json.put("statement_kinds_only_bastion_issued", bastionOnly);
        json.put("background_statements_whole_run", background);
        StringBuilder backgroundText = new StringBuilder();
        background.forEach((server, kinds) -> backgroundText.append(server).append(": ").append(kinds.isEmpty() ? "none"
                : kinds.entrySet().stream().map(e -> e.getValue() + " × `" + e.getKey() + "`").toList()).append("; "));
        json.put("windows", windows);

        List<Map<String, Object>> ab = new ArrayList<>();
        StringBuilder abRows = new StringBuilder();
        double[] abMean = new double[throughput.size()];
        double[] abHalf = new double[throughput.size()];
        int k = 0;
        for (Map.Entry<String, List<double[]>> e : throughput.entrySet()) {
            List<Double> ratios = e.getValue().stream().map(p -> p[1] / p[0]).toList();
            double m = mean(ratios);
            double half = t95(ratios.size()) * sd(ratios) / Math.sqrt(ratios.size());
            abMean[k] = m;
            abHalf[k++] = half;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("operation", e.getKey());
            row.put("rounds", ratios.size());
            row.put("seconds_per_round", ROUND_SECONDS);
            row.put("stock_ops_per_s", e.getValue().stream().map(p -> round(p[0], 1)).toList());
            row.put("bastion_ops_per_s", e.getValue().stream().map(p -> round(p[1], 1)).toList());
            row.put("ratio_mean", round(m, 4));
            row.put("ratio_ci95", List.of(round(m - half, 4), round(m + half, 4)));
            ab.add(row);
            boolean met = m - half > 0.95 || (m - half <= 1.0 && m + half >= 1.0);
            row.put("ratio_ci95_relative_half_width", round(half / m, 4));
            abRows.append(String.format(Locale.ROOT, "| %s | %d × %d s | %.1f | %.1f | %.3f | %.3f to %.3f | ±%.1f%% | %s |%n", e.getKey(), ratios.size(),
                    ROUND_SECONDS, mean(e.getValue().stream().map(p -> p[0]).toList()), mean(e.getValue().stream().map(p -> p[1]).toList()),
                    m, m - half, m + half, 100 * half / m, met ? "met" : "**missed**"));
        }
        json.put("ab_throughput", ab);
        Map<String, Object> heap = new LinkedHashMap<>();
        heapPerSession.forEach((s, v) -> heap.put(s + "_bytes_per_session", Math.round(v)));
        heap.put("sessions", HEAP_SESSIONS);
        json.put("heap", heap);

        JsonNode jmh = readJmh();
        double refreshNs = jmh == null ? Double.NaN : jmhScore(jmh, "refreshDeadline");
        double stockRefreshNs = cpuMeans.get("refresh")[0] * 1e6;
        double share = refreshNs / stockRefreshNs;
        json.put("hot_path_share_of_refresh", Double.isNaN(share) ? null : round(share * 100, 4));
        double jfrShare = profile.ownShare();
        double jfrHalf = 1.96 * Math.sqrt(jfrShare * (1 - jfrShare) / Math.max(1, profile.samples()));
        Map<String, Object> jfr = new LinkedHashMap<>();
        jfr.put("runs", PROFILE_RUNS);
        jfr.put("seconds_per_run", PROFILE_SECONDS);
        jfr.put("execution_samples", profile.samples());
        jfr.put("samples_with_bastion_frame", profile.withBastion());
        jfr.put("bastion_own_samples", profile.own());
        jfr.put("bastion_own_percent", round(jfrShare * 100, 3));
        jfr.put("bastion_own_percent_ci95", List.of(round((jfrShare - jfrHalf) * 100, 3), round((jfrShare + jfrHalf) * 100, 3)));
        jfr.put("bastion_own_by_frame", new java.util.TreeMap<>(profile.ownByFrame()));
        double expBastion = profile.roleExpansionShare();
        double expStock = stockProfile.roleExpansionShare();
        double expHalf = 1.96 * Math.sqrt(expBastion * (1 - expBastion) / Math.max(1, profile.samples())
                + expStock * (1 - expStock) / Math.max(1, stockProfile.samples()));
        // A second expansion per refresh would about double Bastion's share; met when the difference is not above 0.
        boolean noSecondExpansion = expBastion - expStock - expHalf <= 0;
        jfr.put("stock_execution_samples", stockProfile.samples());
        jfr.put("role_expansion_samples", Map.of("bastion", profile.roleExpansion(), "stock", stockProfile.roleExpansion()));
        jfr.put("role_expansion_percent", Map.of("bastion", round(expBastion * 100, 3), "stock", round(expStock * 100, 3)));
        json.put("jfr_refresh_profile", jfr);
        String jfrFrames = profile.ownByFrame().entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(6).map(e -> String.format(Locale.ROOT, "`%s` %d", e.getKey().replaceAll("^org\\.kcbastion\\.", ""), e.getValue()))
                .collect(java.util.stream.Collectors.joining(", "));
        Files.writeString(OUT.resolve("benchmarks.json"), JSON.writeValueAsString(json));

        bars("CPU time per operation (ms, Keycloak JVM, /proc)", "ms per operation", opNames, cpuMeans, targets, "bench-cpu.png");
        bars("SQL statements per operation (PostgreSQL log)", "statements per operation", opNames, sqlMeans, targets, "bench-sql.png");
        ratioChart(new ArrayList<>(throughput.keySet()), abMean, abHalf);

        double extraRefresh = sqlMeans.get("refresh")[1] - sqlMeans.get("refresh")[0];
        boolean refreshClean = bastionOnly.get("refresh").isEmpty() && bastionOnly.get("offline refresh").isEmpty();
        boolean loginClean = bastionOnly.get("authorization-code login").isEmpty() && bastionOnly.get("password grant").isEmpty();
        double extraLogin = sqlMeans.get("authorization-code login")[1] - sqlMeans.get("authorization-code login")[0];
        double extraGrant = sqlMeans.get("password grant")[1] - sqlMeans.get("password grant")[0];
        double heapExtra = heapPerSession.get(targets.get(1).label()) - heapPerSession.get(targets.get(0).label());
        String md = """
                # Benchmarks: what Bastion costs against stock Keycloak

                Generated by `./bench/cost` on %s (%s). Raw numbers: [`benchmarks.json`](benchmarks.json).

                Two Keycloak 26.7.3 servers from the official distribution, `kc.sh build --db=postgres --cache=local` then
                `start --optimized`, heap `%s`, each on a fresh PostgreSQL 15 database on 127.0.0.1, with the same realm:
                a confidential client, a user holding three roles, a realm SMTP server (GreenMail). The realm, client and
                roles carry Bastion's cap attributes on both servers (stock ignores them), so Bastion's refresh path does its
                worst case: realm, client and three role caps. The only difference is the Bastion JAR in `providers/`.
                Bastion's sweeper interval is set to one day for this run: a sweep reads every session and would land in
                random windows; it has its own benchmark ([benchmarks-sweep.md](benchmarks-sweep.md)).

                ## Targets

                | target | result | |
                |---|---|---|
                | zero extra SQL statements per refresh | %+.3f statements per refresh; statement kinds only Bastion issued: %s | %s |
                | zero extra SQL statements per login | %+.3f (code login), %+.3f (password grant); kinds only Bastion issued: %s | %s |
                | Bastion's hot path < 1%% of stock CPU per refresh | %.2f µs (JMH, refresh deadline with realm, client and 3 role caps) / %.3f ms = %.3f%% | %s |
                | the same, cross-checked in the running server: Bastion's own share of the Bastion server's CPU samples under refresh load (JFR) below 0.2%% with realm, client and 3 role caps (issue 18) | %.2f%% (95%% interval %.2f to %.2f%%; %d of %d samples%s) | %s |
                | no second expansion of the user's roles per refresh: share of samples in `RoleUtils.getDeepUserRoleMappings`, from anywhere (JFR, both servers) | Bastion %.2f%% (%d of %d), stock %.2f%% (%d of %d); difference %+.2f ± %.2f points | %s |
                | A/B throughput interval includes 1.0 or lies above 0.95 | see the table below | %s |
                | admin reset with 1,000 sessions < 1 s, back-channel tokens < 5 s | [benchmarks-revocation.md](benchmarks-revocation.md) | see there |
                | sweep of 100,000 sessions, 1%% expired, < 20 s | [benchmarks-sweep.md](benchmarks-sweep.md) | see there |
                | no extra heap per session beyond a few short notes | %+.0f bytes per session (Bastion %d, stock %d) | %s |

                The JFR rows: %d recordings of %d s of refresh load (8 client threads) on each server in turns, JFR's
                `profile` settings, execution samples of the Keycloak JVM. A sample is Bastion's own work when its
                innermost Bastion frame is Bastion's code or a call into Keycloak that stock does not make: the deadline,
                the role caps read off the roles, Bastion's request filters, the lookups they make. Not Bastion's: a call
                from Bastion into what stock Keycloak runs the same way (the methods Bastion's providers override and
                call, in `org.keycloak.protocol.oidc.refresh` and `DefaultClientPolicyManager.triggerOnEvent`, and
                `DefaultClientSessionContext.getRolesStream`, the request's roles, which Keycloak resolves once per
                request and its token mappers read, whoever asks first). The second row checks that last claim on
                both servers: a second expansion per refresh would about double Bastion's share. Intervals are the
                binomial ones of the sample counts. JMH times the deadline arithmetic in isolation.

                ## Exact counters per operation

                Each window: N operations in a row from one client thread, after a warm-up (2,000 refreshes, 50 logins,
                20 resets per server). **Statements** are what PostgreSQL logged for the server's database
                (`log_statement = 'all'` set on that database only), `BEGIN`/`COMMIT` not counted, counted until the log
                stayed quiet for a second (batched session writes included). **CPU** is user + system time of the Keycloak
                JVM from `/proc/<pid>/stat` over the same window (all threads: request, GC, JIT, background writers), mean
                ± standard deviation of the windows. Servers alternate which goes first.

                | operation | windows × ops | stock statements/op | Bastion statements/op | extra | stock CPU ms/op | Bastion CPU ms/op | CPU ratio |
                |---|---:|---:|---:|---:|---:|---:|---:|
                %s
                Idle, ten seconds without requests: %s.

                Statement kinds (SQL text up to its first 90 characters) whose count per operation differs by 0.02 or more
                between the servers, summed over the windows. Totals of a fraction of a statement per refresh are
                Keycloak's batched writes of session timestamps (`OFFLINE_USER_SESSION` / `OFFLINE_CLIENT_SESSION`
                `VERSION` reads and `UPDATE`s), which follow wall time rather than requests; a statement Bastion adds
                would show as a kind stock never issued in the whole run (Keycloak's own timers, such as its session
                expiry task, land in whichever window is open, so a kind seen in one server's windows only is checked
                against everything stock issued). Keycloak's JGroups discovery writes (`JGROUPS_PING`) run on a
                timer on both servers and land in whichever window is open; they are not counted as anyone's operation.
                Over the whole run: %s

                | operation | statement | stock per op | Bastion per op | difference |
                |---|---|---:|---:|---:|
                %s
                ![CPU per operation](images/bench-cpu.png)
                ![SQL per operation](images/bench-sql.png)

                Notes on the rows: the admin reset row is a user **without** sessions (what it costs to look for sessions
                and send the alert mail); the cost per revoked session is in [benchmarks-revocation.md](benchmarks-revocation.md).
                Both realms hash passwords with `hashAlgorithm(pbkdf2-sha512)` (210,000 iterations), which dominates a
                login's CPU: Keycloak's default, argon2, turned out bimodal across JVM starts here (first run: stock 15 to
                23 logins/s, Bastion 26 to 38 under the same load; the JVM start decided, not Bastion).

                ## A/B throughput

                The servers take turns, one at a time (the other idle), rounds of %d s per operation after a %d s
                warm-up each; the first server alternates. At least %d rounds, then more until the 95%% interval is
                within ±5%% of the ratio, at most %d (the interval of a run stopped this way is slightly optimistic).
                Refresh and offline refresh: 8 client threads, each with its own
                session; login: 4 threads, each a full authorization-code flow (login page, form post, code exchange).
                The load generator runs on the same 2 cores. Ratio = Bastion / stock per round; interval = mean ± t(0.975)
                · sd / √rounds.

                | operation | rounds | stock ops/s (mean) | Bastion ops/s (mean) | ratio | 95%% interval | ± | target |
                |---|---:|---:|---:|---:|---|---:|---|
                %s
                ![A/B throughput ratio](images/bench-ab.png)

                ## Heap

                %d password-grant sessions on each server; heap in use after a full GC (`jcmd GC.run`, then
                `GC.heap_info`), before and after: stock %d bytes per session, Bastion %d bytes per session.

                ## Machine

                %s
                """.formatted(LocalDate.now(), machine(), ProductionServer.HEAP,
                extraRefresh, refreshClean ? "none" : bastionOnly.get("refresh") + " " + bastionOnly.get("offline refresh"),
                // Fewer statements than stock is not extra: Keycloak's timers land in whichever server's window is open.
                refreshClean && extraRefresh < 0.05 ? "met" : "**missed**",
                extraLogin, extraGrant, loginClean ? "none" : bastionOnly.get("authorization-code login") + " " + bastionOnly.get("password grant"),
                loginClean && extraLogin < 0.05 && extraGrant < 0.05 ? "met" : "**missed**",
                refreshNs / 1000, stockRefreshNs / 1e6, share * 100, share < 0.01 ? "met" : "**missed**",
                jfrShare * 100, (jfrShare - jfrHalf) * 100, (jfrShare + jfrHalf) * 100, profile.own(), profile.samples(),
                jfrFrames.isEmpty() ? "" : ": " + jfrFrames, jfrShare < 0.002 ? "met" : "**missed**",
                expBastion * 100, profile.roleExpansion(), profile.samples(), expStock * 100, stockProfile.roleExpansion(), stockProfile.samples(),
                (expBastion - expStock) * 100, expHalf * 100, noSecondExpansion ? "met" : "**missed**",
                abRows.toString().contains("missed") ? "**missed** (see table)" : "met",
                heapExtra, Math.round(heapPerSession.get(targets.get(1).label())), Math.round(heapPerSession.get(targets.get(0).label())),
                heapExtra < 512 ? "met" : "**missed**", PROFILE_RUNS, PROFILE_SECONDS,
                counterRows, idleText(idle), backgroundText, kindRows, ROUND_SECONDS, WARMUP_SECONDS, ROUNDS, MAX_ROUNDS, abRows, HEAP_SESSIONS,
                Math.round(heapPerSession.get(targets.get(0).label())), Math.round(heapPerSession.get(targets.get(1).label())), machine());
        Files.writeString(OUT.resolve("benchmarks.md"), md);
        System.out.println(md);
    }

    @SuppressWarnings("unchecked")
    static String idleText(Map<String, Object> idle) {
        List<String> parts = new ArrayList<>();
        idle.forEach((server, v) -> {
            Map<String, Object> m = (Map<String, Object>) v;
            String text = String.format(Locale.ROOT, "%s %s ms CPU per second and %s statements", server, m.get("cpu_ms_per_s"), m.get("statements"));
            Map<String, Long> kinds = (Map<String, Long>) m.get("kinds");
            if (!kinds.isEmpty()) text += " (" + kinds.entrySet().stream().map(e -> e.getValue() + " × `" + e.getKey() + "`").toList() + ")";
            parts.add(text);
        });
        return String.join("; ", parts);
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException e) {
            // keep the placeholder
        }
        long memGiB = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() >> 30;
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + memGiB + " GiB, "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.version");
    }

    static JsonNode readJmh() throws IOException {
        Path p = OUT.resolve("jmh-results.json");
        return Files.exists(p) ? JSON.readTree(p.toFile()) : null;
    }

    static double jmhScore(JsonNode jmh, String benchmark) {
        for (JsonNode b : jmh) {
            if (b.path("benchmark").asText().endsWith("." + benchmark)) return b.path("primaryMetric").path("score").asDouble();
        }
        return Double.NaN;
    }

    static void bars(String title, String yTitle, List<String> ops, Map<String, double[]> values, List<Target> targets, String file) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(450).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        for (int i = 0; i < targets.size(); i++) {
            int idx = i;
            chart.addSeries(targets.get(i).label(), ops, ops.stream().map(o -> values.get(o)[idx]).toList());
        }
        Path images = OUT.resolve("images");
        Files.createDirectories(images);
        BitmapEncoder.saveBitmap(chart, images.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    static void ratioChart(List<String> ops, double[] mean, double[] half) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(450)
                .title("A/B throughput, Bastion / stock (mean and 95% interval)").yAxisTitle("ratio").build();
        chart.getStyler().setYAxisMin(0.8);
        chart.getStyler().setYAxisMax(1.2);
        chart.getStyler().setErrorBarsColor(java.awt.Color.BLACK);
        List<Double> m = new ArrayList<>();
        List<Double> h = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            m.add(mean[i]);
            h.add(half[i]);
        }
        chart.addSeries("Bastion / stock", ops, m, h);
        Path images = OUT.resolve("images");
        Files.createDirectories(images);
        BitmapEncoder.saveBitmap(chart, images.resolve("bench-ab.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
