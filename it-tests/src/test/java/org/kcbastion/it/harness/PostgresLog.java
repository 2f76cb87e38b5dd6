package org.kcbastion.it.harness;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Counts the statements PostgreSQL logged for one database, for benchmarks. The database must log its statements
 * ({@code ALTER DATABASE ... SET log_statement = 'all'}, done before Keycloak connects); the server's log must use
 * Debian's default {@code log_line_prefix = '%m [%p] %q%u@%d '} with {@code log_timezone} UTC.
 */
public final class PostgresLog {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private PostgresLog() {
    }

    /** Statements ({@code BEGIN}/{@code COMMIT}/{@code ROLLBACK} not counted), commits, and kinds by their first 90 characters. */
    public record Statements(long statements, long commits, Map<String, Long> kinds) {
    }

    /** Where PostgreSQL writes its log on Debian ({@code -Dbench.pg.log} overrides). */
    public static Path path() {
        String configured = System.getProperty("bench.pg.log", "");
        if (!configured.isBlank()) return Path.of(configured);
        try (Stream<Path> logs = Files.list(Path.of("/var/log/postgresql"))) {
            return logs.filter(p -> p.getFileName().toString().matches("postgresql-\\d+-main\\.log")).findFirst()
                    .orElseThrow(() -> new AssertionError("no PostgreSQL log under /var/log/postgresql; set -Dbench.pg.log"));
        } catch (IOException e) {
            throw new AssertionError("cannot read /var/log/postgresql (set -Dbench.pg.log): " + e, e);
        }
    }

    /** The log's length now, to count from later. */
    public static long size(Path log) {
        try {
            return Files.size(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code database} executed from byte {@code from} of the log on. */
    public static Statements count(Path log, long from, String database) {
        return count(log, from, database, Instant.MIN, Instant.MAX);
    }

    /** What {@code database} executed from byte {@code from} of the log on, logged between two instants (inclusive). */
    public static Statements count(Path log, long from, String database, Instant notBefore, Instant notAfter) {
        String marker = "@" + database + " LOG:  ";
        long statements = 0;
        long commits = 0;
        Map<String, Long> kinds = new TreeMap<>();
        for (String line : read(log, from).split("\n")) {
            int at = line.indexOf(marker);
            if (at < 0) continue;
            String what = line.substring(at + marker.length());
            if (!what.startsWith("execute ") && !what.startsWith("statement: ")) continue;
            if (notBefore != Instant.MIN || notAfter != Instant.MAX) {
                Instant when = stamp(line);
                if (when.isBefore(notBefore) || when.isAfter(notAfter)) continue;
            }
            String sqlText = what.substring(what.indexOf(": ") + 2).trim();
            if (sqlText.equalsIgnoreCase("COMMIT")) commits++;
            else if (!sqlText.equalsIgnoreCase("BEGIN") && !sqlText.equalsIgnoreCase("ROLLBACK")) {
                statements++;
                kinds.merge(sqlText.substring(0, Math.min(90, sqlText.length())), 1L, Long::sum);
            }
        }
        return new Statements(statements, commits, kinds);
    }

    private static Instant stamp(String line) {
        // "2026-11-28 16:20:01.123 UTC [4711] postgres@db LOG:  execute ..."
        return LocalDateTime.parse(line.substring(0, 23), STAMP).toInstant(ZoneOffset.UTC);
    }

    private static String read(Path log, long from) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            f.seek(from);
            byte[] rest = new byte[(int) (f.length() - from)];
            f.readFully(rest);
            return new String(rest, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
