package io.bulwark.sensor.rules.scenarios;

import static io.bulwark.sensor.rules.scenarios.Scenarios.bw;
import static io.bulwark.sensor.rules.scenarios.Scenarios.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.sensor.rules.scenarios.Scenarios.Alert;
import io.bulwark.sensor.testing.RuncContainer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The other side of issue 16's recon twins: where the attempt can succeed it keeps its priority. A privileged
 * container makes a block device node, mounts cgroup v1 and binfmt_misc, opens kernel memory and calls
 * open_by_handle_at; an unprivileged container given only CAP_DAC_READ_SEARCH calls open_by_handle_at (shocker's
 * setup); an ordinary container with the runtime's socket bound in connects to it. The NOTICE side (the same calls
 * from an ordinary container, refused or absent) is in DefaultContainerEscapeTest; ReconSeverityRulesTest has both
 * sides on built events.
 */
@Tag("containers")
@Timeout(180)
class AttemptSeverityTest {

    private static Alert attempt(RuncContainer box, String vector, String syscall, String rule, Priority priority, String... argv) {
        Alert a = Scenarios.expect(box, vector, syscall, argv);
        System.out.println("alert: " + a);
        assertEquals(rule, a.rule(), a.output());
        assertEquals(priority, a.priority(), a.output());
        return a;
    }

    @Test
    void aPrivilegedContainerKeepsTheAttemptPriorities() throws Exception {
        Scenarios.sensor();
        Scenarios.engine();
        try (RuncContainer box = RuncContainer.builder().privileged().start()) {
            Alert node = attempt(box, "device-cgroup-mknod", "mknod", "Block Device Node Created In Container", Priority.ERROR,
                    bw("mknod-blk", "/tmp/sda"));
            assertTrue(node.output().contains("res=SUCCESS"), node.output());
            attempt(box, "device-cgroup-mknod", "mknodat", "Block Device Node Created In Container", Priority.ERROR,
                    bw("mknodat-blk", "/tmp/sdb"));

            // /dev/mem: this kernel may lack CONFIG_DEVMEM (then 1:1 has no driver and every open fails with ENXIO,
            // rightly recon); the null device (1:3) under the name /dev/mem then stands in for a /dev/mem that opens
            String memDev = Files.exists(Path.of("/sys/dev/char/1:1")) ? "1 1" : "1 3";
            assertEquals(0, box.exec(sh("mknod /dev/mem c " + memDev)).exitCode());
            Alert mem = attempt(box, "kernel-memory-read", "open", "Kernel Memory Opened From Container", Priority.CRITICAL,
                    bw("open-read", "/dev/mem"));
            assertTrue(mem.output().contains("res=SUCCESS"), mem.output());

            // mount(2) of cgroup v1 here may succeed or fail with EBUSY (the host's v1 hierarchies): either stays ERROR
            attempt(box, "cgroup-release-agent", "mount", "Cgroup File System Mounted In Container", Priority.ERROR,
                    bw("mount", "cgroup", "/tmp", "cgroup"));
            attempt(box, "cgroup-release-agent", "fsopen", "Cgroup File System Mounted In Container", Priority.ERROR,
                    bw("fsopen", "cgroup"));
            Alert binfmt = attempt(box, "usermode-helper", "mount", "Binfmt Misc Mounted In Container", Priority.ERROR,
                    bw("mount", "binfmt_misc", "/tmp", "binfmt_misc"));
            assertTrue(binfmt.output().contains("res=SUCCESS"), binfmt.output());
            attempt(box, "usermode-helper", "fsopen", "Binfmt Misc Mounted In Container", Priority.ERROR, bw("fsopen", "binfmt_misc"));

            attempt(box, "open-by-handle", "open_by_handle_at", "Open By Handle In Container", Priority.CRITICAL, bw("open-by-handle"));

            // CAP_BPF and CAP_SYS_ADMIN: a map is made (ERROR whatever the program's verdict)
            Alert map = attempt(box, "bpf-load", "bpf", "BPF Program Or Map Created In Container", Priority.ERROR, bw("bpf-map-create"));
            assertTrue(map.output().contains("res=SUCCESS"), map.output());
            // CAP_SYS_MODULE: seen at entry, CRITICAL whatever the result (this kernel may be built without modules)
            attempt(box, "kernel-module", "finit_module", "Kernel Module Loaded From Container", Priority.CRITICAL, bw("finit-module"));
        }
    }

    @Test
    void openByHandleWithCapDacReadSearchIsCriticalWhateverTheGuessesResult() {
        Scenarios.sensor();
        Scenarios.engine();
        try (RuncContainer box = RuncContainer.builder().capAdd("CAP_DAC_READ_SEARCH").start()) {
            Alert a = attempt(box, "open-by-handle", "open_by_handle_at", "Open By Handle In Container", Priority.CRITICAL,
                    bw("open-by-handle"));
            assertTrue(!a.output().contains("res=EPERM"), "the capability passes the kernel's check: " + a.output());
        }
    }

    @Test
    void aRuntimeSocketBoundIntoTheContainerIsCritical() throws Exception {
        Scenarios.sensor();
        Scenarios.engine();
        // a listening unix socket named like docker's, on the host, bound into the container (docker.sock mounted
        // into a CI job): the connect succeeds (the backlog takes it; nothing needs to accept)
        Path dir = Files.createTempDirectory("bw-runtime-sock-");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(dir.resolve("docker.sock")));
            try (RuncContainer box = RuncContainer.builder().bind(dir, "/hostrun", false).start()) {
                Alert a = attempt(box, "runtime-socket", "connect", "Container Runtime Socket Contacted From Container", Priority.CRITICAL,
                        bw("connect-unix", "/hostrun/docker.sock"));
                assertTrue(a.output().contains("res=SUCCESS") && a.output().contains("socket=/hostrun/docker.sock"), a.output());
            }
        } finally {
            Scenarios.deleteTree(dir);
        }
    }
}
