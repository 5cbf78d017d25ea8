package io.bulwark.sensor.rules.scenarios;

import static io.bulwark.sensor.rules.scenarios.Scenarios.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.testing.RuncContainer;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * runc-leaked-fd after the start (CVE-2024-21626's class): a descriptor of a host directory reaches
 * an ordinary container (here handed over a unix socket, as a leaking runtime or agent would), and a
 * process there moves its working directory into it with fchdir, then climbs with chdir(".."). The
 * kernel sends chdir/fchdir only when the working directory, or the descriptor, is in another mount
 * namespace, so an ordinary cd costs nothing and says nothing.
 */
@Tag("containers")
@Timeout(120)
class LeakedDirectoryTest {
    @Test
    void workingDirectoryMovedIntoALeakedHostDirectoryIsCritical() throws Exception {
        try (LeakedHostDirectory leak = LeakedHostDirectory.start()) {
            Scenarios.Alert a = expect(leak.box(), "runc-leaked-fd", "fchdir", "/bin/bwtrigger", "dir-recv-fchdir", LeakedHostDirectory.SOCKET);
            assertEquals(Priority.CRITICAL, a.priority());
            assertEquals(Boolean.TRUE, a.event().syscall().args().get("fd_foreign_mnt"), a.output());
            assertEquals(Boolean.TRUE, a.event().syscall().args().get("cwd_foreign_mnt"), a.output());
            assertEquals(leak.hostDir().getFileName().toString(), a.event().syscall().args().get("cwd_name"), a.output());
            leak.assertHandedOver();
        }
    }

    /**
     * The door without a chdir of its own: a child started after its parent entered the leaked host
     * directory inherits it. The kernel marks that exec (working directory in another mount
     * namespace), and the child's start is an alert of its own, on the child.
     */
    @Test
    void aProcessStartedInALeakedHostDirectoryIsCritical() throws Exception {
        try (LeakedHostDirectory leak = LeakedHostDirectory.start()) {
            Scenarios.Alert a = expect(leak.box(), "runc-leaked-fd", "execve", "/bin/bwtrigger", "dir-recv-exec", LeakedHostDirectory.SOCKET, "/bin/ls");
            assertEquals("Process Started In Host Filesystem From Container", a.rule(), a.output());
            assertEquals(Priority.CRITICAL, a.priority());
            assertEquals("/bin/ls", a.event().syscall().args().get("filename"), a.output());
            assertEquals(Boolean.TRUE, a.event().syscall().args().get("cwd_foreign_mnt"), a.output());
            assertEquals(Boolean.FALSE, a.event().syscall().args().get("root_foreign_mnt"), "its root is the container's: " + a.output());
            assertTrue(a.output().contains("parent=bwtrigger"), a.output());
            leak.assertHandedOver();
        }
    }

    /**
     * Running the node's program through the leaked descriptor with execveat(2): no chdir, and no
     * path that names the host. The kernel sees the executed file on a mount of another mount
     * namespace.
     */
    @Test
    void aHostProgramRunThroughALeakedDirectoryDescriptorIsCritical() throws Exception {
        try (LeakedHostDirectory leak = LeakedHostDirectory.start()) {
            java.nio.file.Path prog = leak.hostDir().resolve("node-tool");
            java.nio.file.Files.copy(java.nio.file.Path.of(System.getProperty("bulwark.testHelpers", "target/test-helpers"), "bwsyscall"), prog);
            java.nio.file.Files.setPosixFilePermissions(prog, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Scenarios.Alert a = expect(leak.box(), "runc-leaked-fd", "execve", "/bin/bwtrigger", "dir-recv-execveat", LeakedHostDirectory.SOCKET, "node-tool");
            assertEquals("Executable Of Another Mount Namespace Run From Container", a.rule(), a.output());
            assertEquals(Priority.CRITICAL, a.priority());
            assertEquals(Boolean.TRUE, a.event().syscall().args().get("exe_foreign_mnt"), a.output());
            assertEquals(Boolean.FALSE, a.event().syscall().args().get("cwd_foreign_mnt"), "no chdir: " + a.output());
            assertTrue(String.valueOf(a.event().syscall().args().get("filename")).endsWith("/node-tool"), a.output());
            assertTrue(a.output().contains("parent=bwtrigger"), a.output());
            leak.assertHandedOver();
        }
    }

    /**
     * Making the leaked directory the root (chroot through its /proc/self/fd link, no fchdir): every
     * absolute path then resolves on the node. The kernel checks the new root at the chroot's exit.
     */
    @Test
    void aLeakedHostDirectoryMadeTheRootIsCritical() throws Exception {
        try (LeakedHostDirectory leak = LeakedHostDirectory.start("SYS_CHROOT")) { // in Docker's default set
            java.nio.file.Files.writeString(leak.hostDir().resolve("secret"), "node data\n");
            Scenarios.Alert a = expect(leak.box(), "runc-leaked-fd", "chroot", "/bin/bwtrigger", "dir-recv-chroot", LeakedHostDirectory.SOCKET);
            assertEquals("Root Moved Into Host Filesystem From Container", a.rule(), a.output());
            assertEquals(Priority.CRITICAL, a.priority());
            assertEquals(0, a.event().syscall().result(), "the chroot succeeded: " + a.output());
            assertEquals(Boolean.TRUE, a.event().syscall().args().get("root_foreign_mnt"), a.output());
            assertTrue(String.valueOf(a.event().syscall().args().get("path")).startsWith("/proc/self/fd/"), a.output());
            leak.assertHandedOver();
        }
    }

    /**
     * Reading the node's files through the leaked descriptor, without changing directory: a relative
     * open whose directory is on a mount of another mount namespace is sent whatever its name.
     */
    @Test
    void aHostFileReadThroughALeakedDirectoryDescriptorIsSeen() throws Exception {
        try (LeakedHostDirectory leak = LeakedHostDirectory.start()) {
            java.nio.file.Files.writeString(leak.hostDir().resolve("secret"), "node data\n");
            Scenarios.Alert a = expect(leak.box(), "runc-leaked-fd", "openat", "/bin/bwtrigger", "dir-recv-openat-read", LeakedHostDirectory.SOCKET, "secret");
            assertEquals("File Opened Through Another Mount Namespace's Directory From Container", a.rule(), a.output());
            assertEquals(Priority.ERROR, a.priority());
            assertEquals(Boolean.TRUE, a.event().syscall().args().get("dir_foreign_mnt"), a.output());
            assertEquals("secret", a.event().syscall().args().get("path"), a.output());
            assertTrue(a.event().syscall().result() >= 0, "the read open succeeded: " + a.output());
            assertEquals(leak.hostDir().toString(), a.event().syscall().args().get("dir"), "the kernel names the host directory: " + a.output());
            leak.assertHandedOver();
        }
    }

    @Test
    void ordinaryDirectoryChangesSendNothing() {
        Scenarios.sensor();
        Scenarios.engine();
        try (RuncContainer box = RuncContainer.builder().start()) {
            long t0 = Scenarios.now();
            assertEquals(0, box.exec("/bin/sh", "-c", "cd /tmp && cd /proc/self && cd / && cd /proc/sys/kernel && ls >/dev/null").exitCode());
            Scenarios.awaitMarker(box, t0);
            long cg = box.cgroupId();
            List<SensorEvent> cds = Scenarios.sensor().all(e -> e.time() >= t0 && e.process() != null && e.process().cgroupId() == cg
                    && (e.syscall().name().equals("chdir") || e.syscall().name().equals("fchdir")));
            assertTrue(cds.isEmpty(), () -> "ordinary cds inside the container reached user space: " + cds);
            // the ls started in /proc/sys/kernel (the container's own procfs) is no process in a host directory
            List<SensorEvent> execs = Scenarios.sensor().all(e -> e.time() >= t0 && e.process() != null && e.process().cgroupId() == cg
                    && e.syscall().name().equals("execve"));
            assertTrue(execs.stream().anyMatch(e -> String.valueOf(e.syscall().args().get("argv")).contains("ls")), () -> "the ls was seen: " + execs);
            for (SensorEvent e : execs) {
                assertEquals(Boolean.FALSE, e.syscall().args().get("cwd_foreign_mnt"), () -> "ordinary exec: " + e.syscall());
                assertEquals(Boolean.FALSE, e.syscall().args().get("root_foreign_mnt"), () -> "ordinary exec: " + e.syscall());
            }
        }
    }
}
