package io.bulwark.sensor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.bulwark.sensor.cli.BulwarkCommand;
import io.bulwark.sensor.testing.RuncContainer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bulwark evidence capture} on a real runc container with an overlay root: the upper layer is
 * what is archived, the manifest is complete, and a bad container id is one clear line.
 */
@Tag("containers")
@Timeout(120)
class EvidenceCommandTest {
    @TempDir
    Path out;

    record Run(int code, String out, String err) {}

    static Run bulwark(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        CommandLine cl = new CommandLine(new BulwarkCommand());
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(e));
        int code = cl.execute(args);
        return new Run(code, o.toString(), e.toString());
    }

    @Test
    void capturesAnOverlayContainersUpperLayerByHand() throws Exception {
        try (RuncContainer c = RuncContainer.builder().overlayRootfs().start()) {
            assertEquals(0, c.exec("sh", "-c", "mkdir -p /root/.ssh && echo 'ssh-ed25519 AAAA attacker' > /root/.ssh/authorized_keys && rm /bin/ls").exitCode());
            Run r = bulwark("evidence", "capture", "--container", c.id(), "--out", out.toString(), "--reason", "responder check");
            assertEquals(0, r.code(), () -> r.out() + r.err());
            assertTrue(r.out().contains("changed files: overlay-upper"), r.out());
            Path manifestFile = Path.of(r.out().lines().filter(l -> l.startsWith("manifest: ")).findFirst().orElseThrow().substring(10));
            Path dir = manifestFile.getParent();
            JsonNode m = Json.mapper().readTree(manifestFile.toFile());
            assertEquals("responder check", m.path("reason").asText());
            assertEquals(c.id(), m.path("container").path("id").asText());
            assertTrue(m.path("alerts").isEmpty());
            assertTrue(m.path("notes").path("timeline").asText().startsWith("no timeline"), m.path("notes").toString());
            for (JsonNode a : m.path("artifacts")) {
                Path f = dir.resolve(a.path("name").asText());
                assertEquals(a.path("size").asLong(), Files.size(f), f.toString());
                assertEquals(a.path("sha256").asText(), EvidenceCaptureRuncTest.sha256(f), f.toString());
            }
            Process tar = new ProcessBuilder("tar", "--zstd", "-tvf", dir.resolve("changed-files.tar.zst").toString()).redirectErrorStream(true).start();
            String list = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, tar.waitFor(), list);
            assertTrue(list.contains("root/.ssh/authorized_keys"), list);
            // a deleted image file is an overlay whiteout: a character device 0,0
            assertTrue(list.lines().anyMatch(l -> l.startsWith("c") && l.endsWith("bin/ls")), () -> "whiteout of /bin/ls: " + list);
            assertFalse(list.contains("bin/busybox"), list);
            // changed-files.json names it as a deletion, and lists the container's other mounts (not in the tar)
            JsonNode cf = Json.mapper().readTree(dir.resolve("changed-files.json").toFile());
            assertEquals("bin/ls", cf.path("overlay_whiteouts").get(0).asText(), cf.toString());
            assertTrue(cf.path("overlay_opaque_dirs").isArray(), cf.toString());
            assertTrue(cf.path("mounts").path("pseudo_file_systems").asInt() > 0, cf.path("mounts").toString());
            assertTrue(cf.path("mounts").path("listed").isArray(), cf.path("mounts").toString());
            for (JsonNode mnt : cf.path("mounts").path("listed")) {
                assertFalse(mnt.path("captured").asBoolean(true), mnt.toString());
                assertFalse(mnt.path("mount_point").asText().isEmpty(), mnt.toString());
            }
            JsonNode tree = Json.mapper().readTree(dir.resolve("process-tree.json").toFile());
            assertEquals(c.pid(), tree.path("container_init").asInt());
            assertTrue(Files.exists(dir.resolve("proc/" + c.pid() + "/facts.json")));
            try (Stream<Path> s = Files.walk(out)) {
                assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(), "no temporary file left");
            }
        }
    }

    @Test
    void anUnknownContainerIsOneClearLine() {
        Run r = bulwark("evidence", "capture", "--container", "no-such-container-xyz", "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("bulwark evidence capture: no running container 'no-such-container-xyz'"), r.err());
    }
}
