package io.bulwark.sensor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the evidence capture looks for the audit records: the log auditd.conf names (a node may keep it
 * elsewhere), and the rotated predecessor when auditd rotated during the alert's window.
 */
class AuditLogLocationTest {
    @TempDir
    Path tmp;

    @Test
    void theLogFileOfAuditdsConfigurationIsRead() throws Exception {
        Path conf = tmp.resolve("auditd.conf");
        Files.writeString(conf, "# log_file = /commented/out.log\nlocal_events = yes\nlog_file = /data/audit/node.log\nlog_format = ENRICHED\n");
        assertEquals(Path.of("/data/audit/node.log"), EvidenceCapture.Options.auditLogOf(conf));
        Files.writeString(conf, "log_file=/srv/audit.log\n");
        assertEquals(Path.of("/srv/audit.log"), EvidenceCapture.Options.auditLogOf(conf), "no spaces around =");
    }

    @Test
    void withoutAUsableConfigurationAuditdsDefaultIsUsed() throws Exception {
        Path dflt = Path.of("/var/log/audit/audit.log");
        assertEquals(dflt, EvidenceCapture.Options.auditLogOf(tmp.resolve("missing.conf")));
        Path conf = tmp.resolve("auditd.conf");
        Files.writeString(conf, "flush = INCREMENTAL_ASYNC\n");
        assertEquals(dflt, EvidenceCapture.Options.auditLogOf(conf), "no log_file line");
        Files.writeString(conf, "log_file = relative.log\n");
        assertEquals(dflt, EvidenceCapture.Options.auditLogOf(conf), "a relative path is not where auditd writes");
    }

    @Test
    void theRotatedLogIsReadOnlyWhenItWasWrittenDuringTheWindow() throws Exception {
        Path log = Files.writeString(tmp.resolve("audit.log"), "");
        Path rotated = Files.writeString(tmp.resolve("audit.log.1"), "");
        Instant windowStart = Instant.now().minusSeconds(30);
        long fromNs = windowStart.getEpochSecond() * 1_000_000_000L + windowStart.getNano();
        Files.setLastModifiedTime(rotated, FileTime.from(windowStart.plusSeconds(10)));
        assertEquals(List.of(rotated, log), EvidenceCapture.auditLogFiles(log, fromNs), "rotated 20 s ago: the window's start is in it");
        Files.setLastModifiedTime(rotated, FileTime.from(windowStart.minusSeconds(3600)));
        assertEquals(List.of(log), EvidenceCapture.auditLogFiles(log, fromNs), "rotated an hour before: nothing of the window");
        Files.delete(rotated);
        assertEquals(List.of(log), EvidenceCapture.auditLogFiles(log, fromNs));
    }
}
