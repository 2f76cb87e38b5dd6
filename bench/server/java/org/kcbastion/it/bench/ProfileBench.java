package org.kcbastion.it.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.kcbastion.it.harness.MailServer;
import org.kcbastion.it.harness.ProductionServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Not a test: where a production-mode Keycloak with Bastion spends its CPU under refresh load, from a JFR recording
 * (execution samples). Prints the share of samples with a Bastion frame on the stack, by the outermost Bastion frame
 * and by the innermost frame. Run with {@code ./bench/profile}; {@code -Dbench.profile.op=offline refresh} for offline
 * refreshes, {@code -Dbench.profile.bastion=false} for stock Keycloak.
 */
@DisplayName("Profile: where the refresh path's CPU goes")
class ProfileBench {

    @Test
    void profile() throws Exception {
        String existing = System.getProperty("bench.profile.report", "");
        if (!existing.isBlank()) {
            report(Path.of(existing));
            return;
        }
        String op = System.getProperty("bench.profile.op", "refresh");
        boolean withBastion = Boolean.parseBoolean(System.getProperty("bench.profile.bastion", "true"));
        Path out = Path.of(System.getProperty("bench.out.dir", "target/benchmarks"));
        Files.createDirectories(out);
        Path recording = out.resolve("profile-" + (withBastion ? "bastion" : "stock") + "-" + op.replace(' ', '-') + ".jfr")
                .toAbsolutePath();
        try (MailServer mail = new MailServer();
                ProductionServer server = ProductionServer.start(withBastion ? "bastion" : "stock", withBastion, withBastion ? List.of(
                        "--spi-bastion-session-limit--default--sweep-interval=86400",
                        "--spi-events-listener--bastion-security--hmac-key=bench-hmac-key-0123456789abcdef0123456789abcdef") : List.of())) {
            CostBench.Target t = new CostBench.Target(server);
            CostBench.setUp(t, mail);
            CostBench.throughput(t, op, Duration.ofSeconds(Integer.getInteger("bench.profile.warmup.seconds", 20)));
            double rate = record(t, op, Integer.getInteger("bench.profile.seconds", 30), recording);
            System.out.printf(Locale.ROOT, "%s: %.1f %s/s while recording%n", server.name(), rate, op);
        }
        report(recording);
    }

    /** Execution samples of one recording: all, those with a Bastion frame, and Bastion's own work by frame. */
    record Profile(long samples, long withBastion, long own, Map<String, Long> ownByFrame, Map<String, Long> outermost,
                   Map<String, Long> inclusive, long roleExpansion, Map<String, Long> ownCallees, Map<String, Long> ownByLine) {

        double ownShare() {
            return (double) own / Math.max(1, samples);
        }

        /** The share of samples expanding a user's roles, wherever called from: equal on both servers when Bastion adds none. */
        double roleExpansionShare() {
            return (double) roleExpansion / Math.max(1, samples);
        }
    }

    static Profile analyse(Path recording) throws Exception {
        long samples = 0;
        long withBastion = 0;
        long own = 0;
        Map<String, Long> ownByFrame = new HashMap<>();
        Map<String, Long> outermost = new HashMap<>();
        Map<String, Long> bastionFrames = new HashMap<>();
        long roleExpansion = 0;
        Map<String, Long> ownCallees = new HashMap<>();
        Map<String, Long> ownByLine = new HashMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) continue;
            samples++;
            List<RecordedFrame> frames = e.getStackTrace().getFrames();
            for (int i = 0; i < frames.size(); i++) {
                if (!name(frames.get(i)).startsWith("org.kcbastion")) continue;
                // The innermost Bastion frame: its own work, unless it calls into what stock Keycloak runs the same way.
                boolean keycloaksWork = i > 0 && KEYCLOAKS_OWN.stream().anyMatch(name(frames.get(i - 1))::startsWith);
                if (!keycloaksWork) {
                    own++;
                    ownByFrame.merge(name(frames.get(i)), 1L, Long::sum);
                    ownCallees.merge(name(frames.get(i)) + " -> " + (i > 0 ? name(frames.get(i - 1)) : "(itself)")
                            + (i > 1 ? " -> " + name(frames.get(0)) : ""), 1L, Long::sum);
                    ownByLine.merge(where(frames.get(i)) + (i > 0 ? " -> " + where(frames.get(i - 1)) : ""), 1L, Long::sum);
                }
                break;
            }
            if (frames.stream().anyMatch(f -> name(f).equals(ROLE_EXPANSION))) roleExpansion++;
            String outer = null;
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (RecordedFrame f : frames) {
                String name = name(f);
                if (name.startsWith("org.kcbastion")) {
                    outer = name;
                    if (seen.add(name)) bastionFrames.merge(name, 1L, Long::sum);
                }
            }
            if (outer != null) {
                withBastion++;
                outermost.merge(outer, 1L, Long::sum);
            }
        }
        return new Profile(samples, withBastion, own, ownByFrame, outermost, bastionFrames, roleExpansion, ownCallees, ownByLine);
    }

    static void report(Path recording) throws Exception {
        Profile p = analyse(recording);
        System.out.printf(Locale.ROOT, "%d execution samples, %d (%.2f%%) with a Bastion frame on the stack%n",
                p.samples(), p.withBastion(), 100.0 * p.withBastion() / Math.max(1, p.samples()));
        System.out.printf(Locale.ROOT, "Bastion's own work (not Keycloak's refresh called through Bastion's provider): %d (%.2f%%)%n",
                p.own(), 100 * p.ownShare());
        System.out.printf(Locale.ROOT, "expanding a user's roles (%s, from anywhere): %d (%.2f%%)%n", ROLE_EXPANSION, p.roleExpansion(),
                100 * p.roleExpansionShare());
        print("Bastion's own work, by innermost Bastion frame", p.ownByFrame(), p.samples());
        print("Bastion's own work, by innermost Bastion frame -> what it calls -> the innermost frame", p.ownCallees(), p.samples());
        print("Bastion's own work, by line and how the frame ran (interpreted, compiled, inlined) -> its callee", p.ownByLine(),
                p.samples());
        print("by outermost Bastion frame", p.outermost(), p.samples());
        print("every Bastion frame (inclusive)", p.inclusive(), p.samples());
    }

    /** Records {@code seconds} of {@code op} load on {@code t} with JFR's profiling settings into {@code file}. */
    static double record(CostBench.Target t, String op, int seconds, Path file) throws Exception {
        t.server.jcmd("JFR.start", "name=bench", "settings=profile");
        double rate = CostBench.throughput(t, op, Duration.ofSeconds(seconds));
        t.server.jcmd("JFR.dump", "name=bench", "filename=" + file.toAbsolutePath());
        t.server.jcmd("JFR.stop", "name=bench");
        return rate;
    }

    /**
     * Keycloak's work that a Bastion frame calls, which stock Keycloak runs just the same: the methods Bastion's
     * providers override and call (super) in the refresh-token provider and the client-policy manager, and the
     * request's roles, which Keycloak's client-session context resolves once per request and its token mappers read
     * (Bastion may be the first to ask; {@link Profile#roleExpansionShare} shows whether anything expands them twice).
     */
    static final List<String> KEYCLOAKS_OWN = List.of(
            "org.keycloak.protocol.oidc.refresh.",
            "org.keycloak.services.clientpolicy.DefaultClientPolicyManager.triggerOnEvent",
            "org.keycloak.services.util.DefaultClientSessionContext.getRolesStream");

    static final String ROLE_EXPANSION = "org.keycloak.models.utils.RoleUtils.getDeepUserRoleMappings";

    static String name(RecordedFrame f) {
        // A lambda's class name carries its address and hash, different in every JVM: keep the stable part.
        return f.getMethod().getType().getName().replaceAll("\\$\\$Lambda.*", "\\$\\$Lambda") + "." + f.getMethod().getName();
    }

    /**
     * A frame with its line, bytecode index and how it ran: JFR maps a compiled sample to a frame through the JIT's
     * debug information, so an {@code Inlined} frame may own code the compiler moved there from its caller.
     */
    static String where(RecordedFrame f) {
        return name(f) + ":" + f.getLineNumber() + "@" + f.getBytecodeIndex() + " (" + f.getType() + ")";
    }

    static void print(String title, Map<String, Long> counts, long samples) {
        System.out.println(title + ":");
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(25)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %6d  %6.2f%%  %s%n",
                        e.getValue(), 100.0 * e.getValue() / samples, e.getKey()));
    }
}
