package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.archive.Incidents;
import io.bulwark.archive.LocalStore;
import io.bulwark.archive.Spool;
import io.bulwark.archive.Verifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./bulwark up's stack archives what the sensor drops in var/evidence, through S3Proxy, signed with var/keys' key. */
@Tag("servers")
class LocalEvidenceTest {
    @TempDir
    Path var;

    @Test
    void evidenceInTheSpoolLandsSignedInTheLocalArchive() throws Exception {
        try (LocalStack stack = StackFixture.start(var)) {
            Spool s = Spool.typical(var.resolve("evidence"), "0a0a0a0a-0000-8000-8000-00000000000a", "2026-12-07T02:00:00.000Z").write();
            Path index = var.resolve("archive/bulwark-archive/index/incidents/dt=2026-12-07/" + s.id + ".jsonl");
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (!Files.exists(var.resolve("evidence/.archived/" + s.id + ".json")) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(index), "no index line at " + index);
            Path key = var.resolve("keys/archive-ed25519.key");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
            LocalStore local = new LocalStore(var.resolve("archive/bulwark-archive"));
            String prefix = Incidents.locate(local, s.id);
            String keyId = io.bulwark.archive.LocalKeySigner.open(key).keyId();
            assertEquals(List.of(), new Verifier(local, Set.of(keyId), null).verify(prefix).problems());
        }
    }
}
