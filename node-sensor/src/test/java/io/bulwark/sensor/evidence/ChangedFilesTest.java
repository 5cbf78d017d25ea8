package io.bulwark.sensor.evidence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The changed-files tar.gz, read back by GNU tar (the tool a responder uses). */
class ChangedFilesTest {
    @TempDir
    Path tmp;

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), () -> String.join(" ", cmd) + ": " + out);
        return out;
    }

    @Test
    void takesOnlyFilesChangedSinceTheStartAndGnuTarReadsThem() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("rootfs"));
        Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("bin/old-tool"), "image file");
        Files.setLastModifiedTime(root.resolve("bin/old-tool"), FileTime.fromMillis(1_000_000));
        Thread.sleep(30);
        long since = System.currentTimeMillis() * 1_000_000L;
        Thread.sleep(30);
        String longDir = "var/lib/" + "very-long-directory-name-".repeat(5);
        Files.createDirectories(root.resolve(longDir));
        Files.writeString(root.resolve(longDir).resolve("payload.bin"), "long name content");
        Files.createDirectories(root.resolve("tmp"));
        Files.writeString(root.resolve("tmp/dropper.sh"), "#!/bin/sh\necho pwned\n");
        Files.createSymbolicLink(root.resolve("tmp/link"), Path.of("/etc/shadow"));

        Path out = tmp.resolve("c.tar.gz");
        ChangedFiles.Result r;
        try (OutputStream o = Files.newOutputStream(out)) {
            r = ChangedFiles.write(root, "mtime-since-start", since, 1L << 30, o, "test");
        }
        assertFalse(r.truncated());
        assertEquals(3, r.files(), () -> "files: " + r.index());
        String list = run("tar", "-tzvf", out.toString());
        assertTrue(list.contains("tmp/dropper.sh"), list);
        assertTrue(list.contains("tmp/link -> /etc/shadow"), list);
        assertTrue(list.contains("payload.bin"), list);
        assertFalse(list.contains("old-tool"), "unchanged files stay out: " + list);
        Path x = Files.createDirectories(tmp.resolve("x"));
        run("tar", "-xzf", out.toString(), "-C", x.toString());
        assertEquals("long name content", Files.readString(x.resolve(longDir).resolve("payload.bin")));
        assertEquals("#!/bin/sh\necho pwned\n", Files.readString(x.resolve("tmp/dropper.sh")));
    }

    @Test
    void stopsAtTheSizeLimitAndSaysWhatItSkipped() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("rootfs"));
        byte[] mb = new byte[1 << 20];
        new Random(1).nextBytes(mb);
        for (int i = 0; i < 5; i++) {
            Files.write(root.resolve("f" + i), mb);
        }
        Path out = tmp.resolve("c.tar.gz");
        ChangedFiles.Result r;
        try (OutputStream o = Files.newOutputStream(out)) {
            r = ChangedFiles.write(root, "overlay-upper", Long.MIN_VALUE, (long) (2.5 * (1 << 20)), o, "test");
        }
        assertTrue(r.truncated());
        assertEquals(2, r.files());
        assertEquals(3, r.skippedFiles());
        assertEquals(3L << 20, r.skippedBytes());
        assertEquals(3, r.index().stream().filter(e -> Boolean.FALSE.equals(e.get("captured"))).count());
        assertEquals(2, run("tar", "-tzf", out.toString()).strip().split("\n").length);
        assertTrue(Files.size(out) < 2.6 * (1 << 20), "the .gz stays within the limit");
    }

    @Test
    void incompressibleDataIsStoredAndTextIsCompressed() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("rootfs"));
        byte[] random = new byte[24 << 20];
        new Random(2).nextBytes(random);
        Files.write(root.resolve("random.bin"), random);
        StringBuilder log = new StringBuilder();
        for (int i = 0; log.length() < (8 << 20); i++) {
            log.append("2026-12-07T03:00:00Z GET /api/v1/items/").append(i % 977).append(" 200 ").append(i % 13).append("ms\n");
        }
        Files.writeString(root.resolve("access.log"), log);
        Path out = tmp.resolve("c.tar.gz");
        long t0 = System.nanoTime();
        try (OutputStream o = Files.newOutputStream(out)) {
            ChangedFiles.write(root, "overlay-upper", Long.MIN_VALUE, 1L << 30, o, "test");
        }
        double s = (System.nanoTime() - t0) / 1e9;
        long raw = random.length + log.length();
        System.out.printf("changed files: %.1f MB raw in %.2f s = %.0f MB/s, %.1f MB compressed%n", raw / 1e6, s, raw / 1e6 / s, Files.size(out) / 1e6);
        assertTrue(Files.size(out) < random.length + log.length() / 4, "random stored, the log compressed: " + Files.size(out));
        Path x = Files.createDirectories(tmp.resolve("x"));
        run("tar", "-xzf", out.toString(), "-C", x.toString());
        assertArrayEquals(random, Files.readAllBytes(x.resolve("random.bin")));
        assertEquals(log.toString(), Files.readString(x.resolve("access.log")));
    }

    @Test
    void zstdTarIsReadByGnuTar() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("rootfs"));
        byte[] random = new byte[3 << 20];
        new Random(3).nextBytes(random);
        Files.write(root.resolve("blob"), random);
        Files.writeString(root.resolve("notes.txt"), "attacker notes\n".repeat(10_000));
        assertTrue(ChangedFiles.zstdAvailable(), "zstd-jni loads (java.io.tmpdir must not be noexec)");
        Path out = tmp.resolve("c.tar.zst");
        try (OutputStream o = Files.newOutputStream(out)) {
            ChangedFiles.write(root, "overlay-upper", Long.MIN_VALUE, 1L << 30, o, "test", ChangedFiles.ZSTD);
        }
        assertTrue(Files.isExecutable(Path.of("/usr/bin/zstd")), "GNU tar reads .tar.zst through zstd: apt-get install zstd");
        Path x = Files.createDirectories(tmp.resolve("x"));
        run("tar", "--zstd", "-xf", out.toString(), "-C", x.toString());
        assertArrayEquals(random, Files.readAllBytes(x.resolve("blob")));
        assertEquals("attacker notes\n".repeat(10_000), Files.readString(x.resolve("notes.txt")));
        assertTrue(Files.size(out) < random.length + 20_000, "text compressed: " + Files.size(out));
    }

    @Test
    void decodesSocketTablesAndAuditTimes() {
        String tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
                + "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0 100 0 0 10 0\n"
                + "   1: 0A00000A:C350 0900710C:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 12346 1 0 20 4 30 10 -1\n";
        List<java.util.Map<String, Object>> rows = NetConnections.inet("tcp", tcp);
        assertEquals("127.0.0.1:8080", rows.get(0).get("local"));
        assertEquals("LISTEN", rows.get(0).get("state"));
        assertEquals("10.0.0.10:50000", rows.get(1).get("local"));
        assertEquals("12.113.0.9:443", rows.get(1).get("remote"));
        assertEquals("ESTABLISHED", rows.get(1).get("state"));
        assertEquals(12346L, rows.get(1).get("inode"));
        String tcp6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
                + "   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1 0 100 0 0 10 0\n";
        assertEquals("[0:0:0:0:0:0:0:1]:22", NetConnections.inet("tcp6", tcp6).get(0).get("local"));
        String unix = "Num       RefCount Protocol Flags    Type St Inode Path\n"
                + "0000000000000000: 00000002 00000000 00010000 0001 01 23456 /run/containerd/containerd.sock\n";
        var u = NetConnections.unix(unix).get(0);
        assertEquals("/run/containerd/containerd.sock", u.get("path"));
        assertEquals(true, u.get("listening"));
        assertEquals("STREAM", u.get("type"));

        assertEquals(1_733_550_000_123_000_000L,
                EvidenceCapture.auditTimeNs("type=SYSCALL msg=audit(1733550000.123:42): arch=c000003e syscall=308 success=no"));
        assertEquals(-1, EvidenceCapture.auditTimeNs("garbage"));
    }
}
