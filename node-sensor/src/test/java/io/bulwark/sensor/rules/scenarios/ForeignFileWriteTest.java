package io.bulwark.sensor.rules.scenarios;

import static io.bulwark.sensor.rules.scenarios.Scenarios.bw;
import static io.bulwark.sensor.rules.scenarios.Scenarios.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.testing.RuncContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Writes to the node's files by a path that does not show them. The kernel checks, at the exit of
 * every write open by a container process that its path filter let go, the mount of the file it
 * opened, and sends the open only when that mount belongs to another mount namespace. Doors: a
 * relative name under a leaked host directory descriptor; a procfs mounted elsewhere than /proc
 * (/mnt/p/PID/root/…), which no /proc path rule can see; an executable reached that way is the
 * runc-exe-overwrite pattern. Ordinary writes in the container send nothing.
 */
@Tag("containers")
@Timeout(120)
class ForeignFileWriteTest {

    @Test
    void aNameCreatedUnderALeakedHostDirectoryDescriptorIsAHostFileWrite() throws Exception {
        try (LeakedHostDirectory leak = LeakedHostDirectory.start()) {
            Scenarios.Alert a = expect(leak.box(), "host-file-write", "openat", "/bin/bwtrigger", "dir-recv-openat-write", LeakedHostDirectory.SOCKET, "planted");
            assertEquals("File Of Another Mount Namespace Opened For Write From Container", a.rule(), a.output());
            assertEquals(Priority.ERROR, a.priority());
            // the kernel sees it at the entry already: a relative name under a directory of another mount namespace
            assertEquals(Boolean.TRUE, a.event().syscall().args().get("dir_foreign_mnt"), a.output());
            assertEquals("planted", a.event().syscall().args().get("path"), a.output());
            assertTrue(String.valueOf(a.event().syscall().args().get("dir")).endsWith(leak.hostDir().getFileName().toString()),
                    "the kernel names the host directory: " + a.output());
            assertTrue(Files.exists(leak.hostDir().resolve("planted")), "the container created the file in the host directory");
            leak.assertHandedOver();
        }
    }

    @Test
    void hostFilesThroughAProcfsMountedElsewhere() throws Exception {
        Scenarios.sensor();
        Scenarios.engine();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Path data = Path.of("/tmp", "bw-foreign-" + tag + ".txt");
        Path tool = Path.of("/tmp", "bw-foreign-" + tag + ".bin");
        Files.writeString(data, "host data\n");
        Files.writeString(tool, "#!/bin/sh\ntrue\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        String pid = String.valueOf(ProcessHandle.current().pid()); // a host process the container can see
        try (RuncContainer box = RuncContainer.builder().privileged().hostPid().start()) {
            assertEquals(0, box.exec("/bin/sh", "-c", "mkdir -p /mnt/p && mount -t proc proc /mnt/p").exitCode(), "procfs mounted at /mnt/p");
            Scenarios.Alert w = expect(box, "host-file-write", "open", bw("open-write", "/mnt/p/" + pid + "/root" + data));
            assertEquals("File Of Another Mount Namespace Opened For Write From Container", w.rule(), w.output());
            assertEquals(data.getFileName().toString(), w.event().syscall().args().get("file_name"), w.output());
            // the io_uring door: checked at the request's completion, a descriptor or a fixed-file slot
            Scenarios.Alert ring = expect(box, "host-file-write", "io_uring_submit", bw("io-uring-open", "/mnt/p/" + pid + "/root" + data));
            assertEquals(data.getFileName().toString(), ring.event().syscall().args().get("file_name"), ring.output());
            assertEquals("OPENAT", ring.event().syscall().args().get("opcode"), ring.output());
            Scenarios.Alert fixed = expect(box, "host-file-write", "io_uring_submit", bw("io-uring-open-fixed", "/mnt/p/" + pid + "/root" + data));
            assertEquals(Boolean.TRUE, fixed.event().syscall().args().get("file_foreign_mnt"), fixed.output());
            expect(box, "runc-exe-overwrite", "io_uring_submit", bw("io-uring-open", "/mnt/p/" + pid + "/root" + tool));
            Scenarios.Alert x = expect(box, "runc-exe-overwrite", "open", bw("open-write", "/mnt/p/" + pid + "/root" + tool));
            assertEquals(Priority.CRITICAL, x.priority());
            assertEquals(Boolean.TRUE, x.event().syscall().args().get("file_exec"), x.output());
            // a running executable of the node through that procfs (this JVM's): the kernel refuses, and says so
            Scenarios.Alert busy = expect(box, "runc-exe-overwrite", "open", bw("open-write", "/mnt/p/" + pid + "/exe"));
            assertEquals("Running Executable Opened For Write From Container", busy.rule(), busy.output());
            assertEquals("ETXTBSY", busy.event().syscall().errno(), busy.output());
        } finally {
            Files.deleteIfExists(data);
            Files.deleteIfExists(tool);
        }
    }

    @Test
    void ordinaryWritesInTheContainerSendNothing() {
        Scenarios.sensor();
        Scenarios.engine();
        try (RuncContainer box = RuncContainer.builder().start()) {
            long t0 = Scenarios.now();
            assertEquals(0, box.exec("/bin/sh", "-c",
                    "echo a > /tmp/x && echo b >> /tmp/x && touch /tmp/y && echo c > /dev/null && cd /tmp && echo d > z"
                    + " && /bin/bwtrigger io-uring-open /tmp/x && /bin/bwtrigger io-uring-open-fixed /tmp/y").exitCode());
            Scenarios.awaitMarker(box, t0);
            long cg = box.cgroupId();
            List<SensorEvent> opens = Scenarios.sensor().all(e -> e.time() >= t0 && e.process() != null && e.process().cgroupId() == cg
                    && e.syscall().args().containsKey("file_foreign_mnt"));
            assertTrue(opens.isEmpty(), () -> "ordinary writes in the container reached user space: " + opens);
        }
    }
}
