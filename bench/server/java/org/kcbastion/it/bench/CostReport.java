package org.kcbastion.it.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.kcbastion.it.harness.ProductionServer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.kcbastion.it.bench.BenchStats.mean;
import static org.kcbastion.it.bench.BenchStats.round;
import static org.kcbastion.it.bench.BenchStats.sd;
import static org.kcbastion.it.bench.BenchStats.t95;
import static org.kcbastion.it.bench.CostBench.HEAP_SESSIONS;
import static org.kcbastion.it.bench.CostBench.JSON;
import static org.kcbastion.it.bench.CostBench.MAX_ROUNDS;
import static org.kcbastion.it.bench.CostBench.OPS;
import static org.kcbastion.it.bench.CostBench.OUT;
import static org.kcbastion.it.bench.CostBench.PROFILE_RUNS;
import static org.kcbastion.it.bench.CostBench.PROFILE_SECONDS;
import static org.kcbastion.it.bench.CostBench.REPS;
import static org.kcbastion.it.bench.CostBench.ROUNDS;
import static org.kcbastion.it.bench.CostBench.ROUND_SECONDS;
import static org.kcbastion.it.bench.CostBench.WARMUP_SECONDS;
import static org.kcbastion.it.bench.CostBench.background;

/**
 * Writes what {@link CostBench} measured: {@code benchmarks.json}, {@code benchmarks.md} (from the template
 * {@code bench/cost-report.md} on the test class path, filled in order) and the charts.
 */
final class CostReport {

    private CostReport() {
    }

    /** The Markdown page, with a {@code %s}-style placeholder for every value. */
    static String template() {
        try (InputStream in = CostReport.class.getResourceAsStream("/bench/cost-report.md")) {
            if (in == null) throw new IllegalStateException("bench/cost-report.md is not on the test class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(List<CostBench.Target> targets, Map<String, Object> idle, List<CostBench.Window> windows,
                      Map<String, List<double[]>> throughput,
                      Map<String, Double> heapPerSession, Map<String, Map<String, Long>> background,
                      java.util.Set<String> stockKinds, ProfileBench.Profile profile,
                      ProfileBench.Profile stockProfile) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("date", LocalDate.now().toString());
        json.put("machine", machine());
        json.put("keycloak", System.getProperty("keycloak.version") + ", kc.sh start --optimized, --db=postgres --cache=local, heap "
                + ProductionServer.HEAP);
        json.put("idle", idle);

        List<Map<String, Object>> counters = new ArrayList<>();
        StringBuilder counterRows = new StringBuilder();
        List<String> opNames = OPS.stream().map(CostBench.Op::name).toList();
        Map<String, double[]> cpuMeans = new LinkedHashMap<>();
        Map<String, double[]> sqlMeans = new LinkedHashMap<>();
        for (CostBench.Op op : OPS) {
            double[] cpu = new double[2];
            double[] sql = new double[2];
            double[] cpuSd = new double[2];
            double[] commits = new double[2];
            for (int i = 0; i < 2; i++) {
                String server = targets.get(i).label();
                List<CostBench.Window> ws = windows.stream().filter(w -> w.op().equals(op.name()) && w.server().equals(server)).toList();
                List<Double> c = ws.stream().map(CostBench.Window::cpuMillisPerOp).toList();
                cpu[i] = mean(c);
                cpuSd[i] = sd(c);
                sql[i] = mean(ws.stream().map(CostBench.Window::statementsPerOp).toList());
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
        for (CostBench.Op op : OPS) {
            Map<String, double[]> perOp = new java.util.TreeMap<>();
            for (int i = 0; i < 2; i++) {
                String server = targets.get(i).label();
                List<CostBench.Window> ws = windows.stream().filter(w -> w.op().equals(op.name()) && w.server().equals(server)).toList();
                long ops = ws.stream().mapToLong(CostBench.Window::ops).sum();
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
            abRows.append(String.format(Locale.ROOT, "| %s | %d × %d s | %.1f | %.1f | %.3f | %.3f to %.3f | ±%.1f%% | %s |%n",
                    e.getKey(), ratios.size(), ROUND_SECONDS, mean(e.getValue().stream().map(p -> p[0]).toList()),
                    mean(e.getValue().stream().map(p -> p[1]).toList()), m, m - half, m + half, 100 * half / m,
                    met ? "met" : "**missed**"));
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
        double jfrHalf = BenchStats.binomialHalfWidth(jfrShare, profile.samples());
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
        String md = template().formatted(LocalDate.now(), machine(), System.getProperty("keycloak.version"), ProductionServer.HEAP,
                extraRefresh, refreshClean ? "none" : bastionOnly.get("refresh") + " " + bastionOnly.get("offline refresh"),
                // Fewer statements than stock is not extra: Keycloak's timers land in whichever server's window is open.
                refreshClean && extraRefresh < 0.05 ? "met" : "**missed**",
                extraLogin, extraGrant,
                loginClean ? "none" : bastionOnly.get("authorization-code login") + " " + bastionOnly.get("password grant"),
                loginClean && extraLogin < 0.05 && extraGrant < 0.05 ? "met" : "**missed**",
                refreshNs / 1000, stockRefreshNs / 1e6, share * 100, share < 0.01 ? "met" : "**missed**",
                jfrShare * 100, (jfrShare - jfrHalf) * 100, (jfrShare + jfrHalf) * 100, profile.own(), profile.samples(),
                jfrFrames.isEmpty() ? "" : ": " + jfrFrames, jfrShare < 0.002 ? "met" : "**missed**",
                expBastion * 100, profile.roleExpansion(), profile.samples(),
                expStock * 100, stockProfile.roleExpansion(), stockProfile.samples(),
                (expBastion - expStock) * 100, expHalf * 100, noSecondExpansion ? "met" : "**missed**",
                abRows.toString().contains("missed") ? "**missed** (see table)" : "met",
                heapExtra, Math.round(heapPerSession.get(targets.get(1).label())), Math.round(heapPerSession.get(targets.get(0).label())),
                heapExtra < 512 ? "met" : "**missed**", PROFILE_RUNS, PROFILE_SECONDS,
                counterRows, idleText(idle), backgroundText, kindRows,
                ROUND_SECONDS, WARMUP_SECONDS, ROUNDS, MAX_ROUNDS, abRows, HEAP_SESSIONS,
                Math.round(heapPerSession.get(targets.get(0).label())), Math.round(heapPerSession.get(targets.get(1).label())), machine());
        Files.writeString(OUT.resolve("benchmarks.md"), md);
        System.out.println(md);
    }

    @SuppressWarnings("unchecked")
    static String idleText(Map<String, Object> idle) {
        List<String> parts = new ArrayList<>();
        idle.forEach((server, v) -> {
            Map<String, Object> m = (Map<String, Object>) v;
            String text = String.format(Locale.ROOT, "%s %s ms CPU per second and %s statements",
                    server, m.get("cpu_ms_per_s"), m.get("statements"));
            Map<String, Long> kinds = (Map<String, Long>) m.get("kinds");
            if (!kinds.isEmpty()) text += " ("
                    + kinds.entrySet().stream().map(e -> e.getValue() + " × `" + e.getKey() + "`").toList() + ")";
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

    static void bars(String title, String yTitle, List<String> ops, Map<String, double[]> values, List<CostBench.Target> targets,
                     String file) throws IOException {
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
