package io.bulwark.sensor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.Json;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.Syscall;
import io.bulwark.sensor.alert.NodeIdentity;
import io.bulwark.sensor.enrich.ProcessTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit records of the alert's window, with the real auditd (apt {@code auditd}): the capture must copy
 * exactly what auditd wrote in [alert - 30 s, now], and say {@code auditd not running} once it has stopped.
 *
 * <p>The test starts its own auditd in the foreground ({@code auditd -n -c DIR}) with a config in a temp
 * directory (log there, {@code log_format = ENRICHED} as Debian ships it, {@code flush = SYNC}, no email,
 * exec, plugins or rotation), adds one file watch on a temp path tagged with a unique {@code -k} key,
 * writes that file twice 31 s apart (the product's 30 s margin: the first write falls out of the window),
 * and runs the capture the way the sensor does for an alert ({@link EvidenceCapture#snapshot(AlertDetail)}
 * then {@code complete}), with only the log path pointed at the temp log (the sensor reads
 * {@code /var/log/audit/audit.log}; the stand-in {@link AuditExtractionTest} does the same). The writes are
 * made by child processes started after auditd enabled auditing: a process forked while auditing had never
 * been enabled since boot (the test's JVM on a fresh machine) has no audit context and is never audited.
 *
 * <p>Kernel audit state: {@code auditctl -s} and {@code auditctl -l} are read first; afterwards the test
 * deletes only its own rule (same spec, same key), stops auditd with SIGTERM and waits, sets
 * {@code enabled} back to what it was (auditd 3.0.9 leaves it at 1 when it stops), and fails unless
 * {@code enabled}, {@code pid}, {@code failure}, {@code rate_limit}, {@code backlog_limit},
 * {@code backlog_wait_time} and the rule list are as found. Not restorable: the kernel's "audit was ever
 * enabled" flag (processes forked afterwards carry an audit context until reboot) and the {@code lost}
 * counter.
 *
 * <p>Skipped, on purpose, when an audit daemon already runs (kernel {@code pid} not 0, or a process named
 * {@code auditd}: a real node's daemon is not ours to take over) or the audit configuration is locked
 * ({@code enabled 2}); the skip says which. Fails when {@code auditd} or {@code auditctl} is missing
 * (apt-get install auditd).
 */
@Tag("root")
@Timeout(180)
class RealAuditdExtractionTest {
    private static final Pattern STAMP = Pattern.compile("msg=audit\\((\\d+)\\.(\\d{3}):(\\d+)\\)");
    private static final List<String> RESTORED = List.of("enabled", "pid", "failure", "rate_limit", "backlog_limit", "backlog_wait_time");

    @TempDir
    Path tmp;

    private String auditctl;
    private Map<String, String> statusBefore;
    private String rulesBefore;
    private Process auditd;
    private List<String> ruleSpec;
    private Thread hook;

    record Run(int code, String out) {}

    @Test
    void theWindowsRecordsAsTheRealAuditdWroteThem() throws Exception {
        String auditdBin = tool("auditd");
        auditctl = tool("auditctl");
        Run s = run(auditctl, "-s");
        assertEquals(0, s.code(), () -> "auditctl -s (the test runs as root, tag root): " + s.out());
        statusBefore = status(s.out());
        Run l = run(auditctl, "-l");
        assertEquals(0, l.code(), l.out());
        rulesBefore = l.out();
        String daemon = statusBefore.get("pid");
        Assumptions.assumeTrue("0".equals(daemon), () -> "an audit daemon already runs (kernel audit pid " + daemon + ", "
                + comm(daemon) + "): a real node's daemon is not ours to stop or take over");
        Optional<Integer> named = processNamedAuditd();
        Assumptions.assumeTrue(named.isEmpty(), () -> "a process named auditd already runs (pid " + named.orElse(0)
                + "): the capture would take it for the node's auditd");
        Assumptions.assumeFalse("2".equals(statusBefore.get("enabled")), "kernel audit configuration is locked (enabled 2)");

        Path conf = Files.createDirectories(tmp.resolve("conf"));
        Files.createDirectories(conf.resolve("plugins"));
        Path log = tmp.resolve("audit.log");
        Files.writeString(conf.resolve("auditd.conf"), String.join("\n",
                "local_events = yes", "write_logs = yes", "log_file = " + log, "log_group = root", "log_format = ENRICHED",
                "flush = SYNC", "freq = 0", "max_log_file = 8", "num_logs = 1", "max_log_file_action = IGNORE",
                "space_left = 2", "space_left_action = IGNORE", "admin_space_left = 1", "admin_space_left_action = IGNORE",
                "disk_full_action = IGNORE", "disk_error_action = IGNORE", "verify_email = no", "action_mail_acct = root",
                "name_format = NONE", "plugin_dir = " + conf.resolve("plugins"), "q_depth = 2000", "overflow_action = IGNORE",
                "max_restarts = 0", "end_of_event_timeout = 2", ""));
        Path out = tmp.resolve("auditd.out");
        hook = new Thread(this::restoreQuietly, "auditd-test-restore");
        Runtime.getRuntime().addShutdownHook(hook);
        auditd = new ProcessBuilder(auditdBin, "-n", "-c", conf.toString()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        long pid = auditd.pid();
        waitFor(() -> {
            if (!auditd.isAlive()) {
                fail("auditd exited " + auditd.exitValue() + " at start (see `auditd -f -c " + conf + "`): " + Files.readString(out));
            }
            return String.valueOf(pid).equals(status(run(auditctl, "-s").out()).get("pid")) && logLines(log).stream().anyMatch(x -> x.startsWith("type=DAEMON_START"));
        }, "auditd registered with the kernel and wrote DAEMON_START");
        assertEquals("1", status(run(auditctl, "-s").out()).get("enabled"));

        Path watched = Files.createDirectories(tmp.resolve("watched")).resolve("target");
        String key = "bulwark-test-" + UUID.randomUUID().toString().substring(0, 8);
        ruleSpec = List.of("-w", watched.toString(), "-p", "wa", "-k", key);
        Run add = run(cat(auditctl, ruleSpec));
        assertEquals(0, add.code(), add.out());
        assertTrue(run(auditctl, "-l").out().contains("-k " + key), "rule listed");

        // the older write: its records are in the log, 31 s before the alert, outside the window
        write(watched, "old");
        String old = waitForKeyed(log, key, 1);
        long oldMs = millis(old);
        String oldId = id(old);
        String daemonStart = logLines(log).stream().filter(x -> x.startsWith("type=DAEMON_START")).findFirst().orElseThrow();
        long until = oldMs + 31_000;
        while (System.currentTimeMillis() < until) {
            Thread.sleep(Math.max(1, until - System.currentTimeMillis()));
        }
        // the write of the attempt, then the alert
        write(watched, "new");
        String attempt = waitForKeyed(log, key, 2);
        String attemptId = id(attempt);
        long alertMs = System.currentTimeMillis();
        List<String> logBefore = logLines(log);

        Path dir = capture(alertMs, log);
        JsonNode m = Json.mapper().readTree(dir.resolve("manifest.json").toFile());
        String note = m.path("notes").path("audit").asText();
        List<String> got = Files.readAllLines(dir.resolve("audit/audit.log"), StandardCharsets.UTF_8);
        Matcher n = Pattern.compile("^(\\d+) records of " + Pattern.quote(log.toString()) + " from (\\S+) to (\\S+)$").matcher(note);
        assertTrue(n.matches(), note);
        assertEquals(got.size(), Integer.parseInt(n.group(1)), "the note counts the artifact's lines");
        long fromMs = alertMs - 30_000, toMs = Instant.parse(n.group(3)).toEpochMilli();
        assertEquals(Instant.ofEpochMilli(fromMs), Instant.parse(n.group(2)), "window starts 30 s before the alert");

        // what auditd wrote, byte for byte, in the log's order; nothing older than the window
        List<String> all = logLines(log);
        int at = 0;
        for (String line : got) {
            int i = all.subList(at, all.size()).indexOf(line);
            assertTrue(i >= 0, () -> "not a line of auditd's log, or out of order: " + line);
            at += i + 1;
            long t = millis(line);
            assertTrue(t >= fromMs && t <= toMs, () -> "outside [" + fromMs + ", " + toMs + "]: " + line);
        }
        for (String line : logBefore) {
            if (millis(line) >= fromMs) {
                assertTrue(got.contains(line), () -> "a window record of the log is missing: " + line);
            }
        }
        // the attempt's event, every record of it (SYSCALL with the key, CWD, PATH, PROCTITLE); the older write's none
        List<String> attemptRecords = all.stream().filter(x -> x.contains("msg=audit(" + attemptId + ")")).toList();
        assertTrue(attemptRecords.size() >= 4, attemptRecords::toString);
        for (String type : List.of("SYSCALL", "CWD", "PATH", "PROCTITLE")) {
            assertTrue(attemptRecords.stream().anyMatch(x -> x.startsWith("type=" + type + " ")), () -> type + " in " + attemptRecords);
        }
        assertTrue(got.containsAll(attemptRecords), () -> attemptRecords + " in " + got);
        assertEquals(List.of(attempt), got.stream().filter(x -> x.startsWith("type=SYSCALL ") && x.contains(" key=\"" + key + "\"")).toList(),
                "one keyed syscall in the window: the attempt's");
        assertTrue(attempt.contains("comm=\"sh\"") && attempt.contains("\u001dARCH=x86_64 SYSCALL="), attempt);
        assertFalse(got.stream().anyMatch(x -> x.contains("msg=audit(" + oldId + ")")), "the older write's records are outside the window");
        assertFalse(got.contains(daemonStart), "auditd's start is older than the window");
        assertTrue(m.path("artifacts").toString().contains("audit/audit.log"), "listed in the manifest");
        System.out.println("real auditd: " + note + "\n" + String.join("\n", attemptRecords));

        // auditd stopped: the capture says so and copies nothing
        deleteRule();
        stopAuditd();
        assertTrue(logLines(log).get(logLines(log).size() - 1).startsWith("type=DAEMON_END "), "auditd wrote DAEMON_END");
        restoreEnabled();
        Path after = capture(System.currentTimeMillis(), log);
        JsonNode m2 = Json.mapper().readTree(after.resolve("manifest.json").toFile());
        assertEquals("auditd not running", m2.path("notes").path("audit").asText());
        assertFalse(Files.exists(after.resolve("audit/audit.log")));
        assertFalse(m2.path("artifacts").toString().contains("audit/audit.log"));
    }

    @AfterEach
    void restore() throws Exception {
        if (hook != null) {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        if (statusBefore == null) {
            return;
        }
        deleteRule();
        stopAuditd();
        restoreEnabled();
        Map<String, String> now = status(run(auditctl, "-s").out());
        for (String k : RESTORED) {
            assertEquals(statusBefore.get(k), now.get(k), "kernel audit " + k + " as found");
        }
        assertEquals(rulesBefore, run(auditctl, "-l").out(), "audit rules as found");
    }

    private void restoreQuietly() {
        try {
            deleteRule();
            stopAuditd();
            restoreEnabled();
        } catch (Exception e) {
            System.err.println("auditd test: restoring the audit state failed: " + e);
        }
    }

    private synchronized void deleteRule() throws IOException, InterruptedException {
        if (ruleSpec != null) {
            List<String> del = new ArrayList<>(ruleSpec);
            del.set(0, "-W"); // the same watch, path, permissions and key
            Run r = run(cat(auditctl, del));
            assertEquals(0, r.code(), () -> "auditctl -W " + ruleSpec + ": " + r.out());
            ruleSpec = null;
        }
    }

    private synchronized void stopAuditd() throws InterruptedException {
        if (auditd != null) {
            auditd.destroy(); // SIGTERM
            if (!auditd.waitFor(15, TimeUnit.SECONDS)) {
                auditd.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                auditd = null;
                fail("auditd did not stop on SIGTERM in 15 s (killed)");
            }
            auditd = null;
        }
    }

    private synchronized void restoreEnabled() throws IOException, InterruptedException {
        String want = statusBefore.get("enabled");
        if (!want.equals(status(run(auditctl, "-s").out()).get("enabled"))) {
            Run r = run(auditctl, "-e", want);
            assertEquals(0, r.code(), r.out());
        }
    }

    private Path capture(long alertMs, Path log) throws Exception {
        ProcessTable table = new ProcessTable();
        table.scan();
        Path spool = Files.createDirectories(tmp.resolve("spool-" + alertMs));
        int pid = (int) ProcessHandle.current().pid();
        ProcessInfo p = new ProcessInfo(pid, pid, 0, 1, 0, 0, -1, "java", "/usr/bin/java", List.of("java"), "java", 0, 0,
                new ProcessInfo.Namespaces(0, 0, 0, 0, 0, 0, 0), 0, 0, false, false, List.of());
        AlertDetail alert = new AlertDetail(UUID.randomUUID().toString(), Instant.ofEpochMilli(alertMs).toString(), "Host Test Rule", "CRITICAL",
                8.5, "ns-enter-host", List.of(), List.of(), "test", Map.of(), 1, p, null, null, NodeIdentity.detect(),
                new Syscall("openat", Map.of(), 0, null), new AlertDetail.Sensor("0.1.0", "local", "none", null));
        try (EvidenceCapture capture = new EvidenceCapture(EvidenceCapture.Options.defaults(spool).withAuditLog(log), table,
                new ContainerTimeline(ContainerTimeline.Limits.defaults()), NodeIdentity.detect())) {
            return capture.complete(capture.snapshot(alert)).toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    /** A new process writes the watched file (the JVM itself may predate auditing and carry no audit context). */
    private static void write(Path file, String what) throws Exception {
        Process sh = new ProcessBuilder("/bin/sh", "-c", "echo \"$1\" > \"$2\"", "sh", what, file.toString()).inheritIO().start();
        assertEquals(0, sh.waitFor());
    }

    /** Waits for the n-th SYSCALL record with the key and returns it. */
    private static String waitForKeyed(Path log, String key, int n) throws Exception {
        String[] found = {null};
        waitFor(() -> {
            List<String> k = logLines(log).stream().filter(x -> x.startsWith("type=SYSCALL ") && x.contains(" key=\"" + key + "\"")).toList();
            found[0] = k.size() >= n ? k.get(n - 1) : null;
            return found[0] != null;
        }, "keyed SYSCALL record " + n + " in " + log);
        assertNotNull(found[0]);
        return found[0];
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(Check c, String what) throws Exception {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!c.ok()) {
            if (System.nanoTime() > end) {
                fail("10 s without: " + what);
            }
            Thread.sleep(50);
        }
    }

    private static List<String> logLines(Path log) throws IOException {
        return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    }

    private static long millis(String line) {
        Matcher m = STAMP.matcher(line);
        assertTrue(m.find(), () -> "no audit stamp: " + line);
        return Long.parseLong(m.group(1)) * 1000 + Long.parseLong(m.group(2));
    }

    /** {@code 1796649072.431:8}: time and serial, the event's id. */
    private static String id(String line) {
        Matcher m = STAMP.matcher(line);
        assertTrue(m.find(), line);
        return m.group(1) + "." + m.group(2) + ":" + m.group(3);
    }

    private static Map<String, String> status(String out) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] kv = line.strip().split("\\s+", 2);
            if (kv.length == 2) {
                m.put(kv[0], kv[1]);
            }
        }
        return m;
    }

    private static String[] cat(String first, List<String> rest) {
        List<String> a = new ArrayList<>();
        a.add(first);
        a.addAll(rest);
        return a.toArray(String[]::new);
    }

    private static Run run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish in 20 s");
        }
        return new Run(p.exitValue(), out);
    }

    private static String tool(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin"));
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
                return Path.of(d, name).toString();
            }
        }
        return fail(name + " not installed: apt-get install auditd (./bulwark test installs it)");
    }

    private static Optional<Integer> processNamedAuditd() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : ds) {
                try {
                    if (Files.readString(p.resolve("comm")).strip().equals("auditd")) {
                        return Optional.of(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (IOException e) {
                    // exited
                }
            }
        }
        return Optional.empty();
    }

    private static String comm(String pid) {
        try {
            return Files.readString(Path.of("/proc", pid, "comm")).strip();
        } catch (IOException | RuntimeException e) {
            return "process not visible";
        }
    }
}
