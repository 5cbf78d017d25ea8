package io.bulwark.sensor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.Json;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.Syscall;
import io.bulwark.sensor.alert.NodeIdentity;
import io.bulwark.sensor.enrich.ProcessTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit records of the alert's window, when auditd runs: the format's edge cases, with a stand-in.
 * A process named auditd runs (a copy of sleep: the capture decides by the host's process names, as it
 * does on a node) and a hand-written log in auditd's format holds a record an hour old, one 5 s before
 * the alert, one at the alert and a line that is no record; the capture must copy exactly the two window
 * records and say how many. {@link RealAuditdExtractionTest} does the same against the real auditd.
 */
@Tag("root")
class AuditExtractionTest {
    @TempDir
    Path tmp;

    @Test
    void recordsOfTheWindowAreCopiedWhenAuditdRuns() throws Exception {
        long now = System.currentTimeMillis();
        String old = String.format("type=SYSCALL msg=audit(%d.%03d:101): arch=c000003e syscall=59 success=yes exit=0 comm=\"cron\"", now / 1000 - 3600, 0);
        String before = String.format("type=EXECVE msg=audit(%d.%03d:202): argc=3 a0=\"sh\" a1=\"-c\" a2=\"nsenter -t 1 -m\"", now / 1000 - 5, 250);
        String atAlert = String.format("type=SYSCALL msg=audit(%d.%03d:203): arch=c000003e syscall=308 success=yes exit=0 comm=\"nsenter\"", now / 1000, 0);
        Path log = tmp.resolve("audit.log");
        Files.writeString(log, old + "\n" + before + "\n" + "not an audit record\n" + atAlert + "\n");
        Path fake = tmp.resolve("auditd");
        Files.copy(Path.of("/bin/sleep"), fake);
        fake.toFile().setExecutable(true);
        Process auditd = new ProcessBuilder(fake.toString(), "120").start();
        try {
            Thread.sleep(100);
            assertEquals("auditd", Files.readString(Path.of("/proc/" + auditd.pid() + "/comm")).strip());
            ProcessTable table = new ProcessTable();
            table.scan();
            Path spool = Files.createDirectories(tmp.resolve("spool"));
            EvidenceCapture capture = new EvidenceCapture(EvidenceCapture.Options.defaults(spool).withAuditLog(log), table,
                    new ContainerTimeline(ContainerTimeline.Limits.defaults()), NodeIdentity.detect());
            int pid = (int) ProcessHandle.current().pid();
            ProcessInfo p = new ProcessInfo(pid, pid, 0, 1, 0, 0, -1, "java", "/usr/bin/java", List.of("java"), "java", 0, 0,
                    new ProcessInfo.Namespaces(0, 0, 0, 0, 0, 0, 0), 0, 0, false, false, List.of());
            AlertDetail alert = new AlertDetail(java.util.UUID.randomUUID().toString(), Instant.ofEpochMilli(now).toString(), "Host Test Rule", "CRITICAL",
                    8.5, "ns-enter-host", List.of(), List.of(), "test", Map.of(), 1, p, null, null, NodeIdentity.detect(),
                    new Syscall("setns", Map.of(), 0, null), new AlertDetail.Sensor("0.1.0", "local", "none", null));
            Path dir = capture.complete(capture.snapshot(alert)).toCompletableFuture().get(60, TimeUnit.SECONDS);
            capture.close();
            JsonNode m = Json.mapper().readTree(dir.resolve("manifest.json").toFile());
            String note = m.path("notes").path("audit").asText();
            assertTrue(note.startsWith("2 records of " + log + " from "), note);
            assertEquals(before + "\n" + atAlert + "\n", Files.readString(dir.resolve("audit/audit.log")), "the window's records, nothing else");
            assertTrue(m.path("artifacts").toString().contains("audit/audit.log"), "listed in the manifest");
        } finally {
            auditd.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
