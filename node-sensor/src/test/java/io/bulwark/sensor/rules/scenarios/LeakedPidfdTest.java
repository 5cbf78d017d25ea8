package io.bulwark.sensor.rules.scenarios;

import static io.bulwark.sensor.rules.scenarios.Scenarios.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.sensor.testing.RuncContainer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ns-enter-host through a pidfd leaked into an ordinary container (its own pid namespace): a host
 * process opens a pidfd of a host process and hands it over a unix socket in a shared directory;
 * the container calls setns with it. The sensor names the target process from the pidfd and finds
 * it in the host's mount namespace: the host namespaces rule fires, whatever the result.
 */
@Tag("containers")
@Timeout(120)
class LeakedPidfdTest {
    @Test
    void setnsWithAPidfdOfAHostProcessLeakedIntoAContainerIsHostNamespaceEntry() throws Exception {
        // the target: a host process (this JVM; pid 1 of a sandbox may hide its namespaces even from root)
        Scenarios.Alert a = setnsWithLeakedPidfdOf(ProcessHandle.current().pid(), true);
        assertEquals(Priority.CRITICAL, a.priority());
        assertTrue(a.output().contains("res=E") || a.output().contains("res=SUCCESS"), a.output());
    }

    /**
     * The same with the host's pid 1 as the target. In a sandboxed node (this CI) even root cannot
     * read /proc/1/ns/*: the sensor then decides by the target's pid namespace (root pid namespace
     * = outside every container with its own pid namespace).
     */
    @Test
    void aPidfdOfTheHostsInitIsHostNamespaceEntryEvenWhenItsNamespacesAreUnreadable() throws Exception {
        Scenarios.Alert a = setnsWithLeakedPidfdOf(1, false);
        assertEquals(Priority.CRITICAL, a.priority(), a.output());
        assertEquals(1, ((Number) a.event().syscall().args().get("target_pid")).intValue());
    }

    /**
     * A pidfd of another container's process (its init) leaked into an ordinary container: neither
     * the host's namespaces nor the caller's own. An entry into a neighbour, ERROR, naming the target.
     */
    @Test
    void aPidfdOfAnotherContainersProcessIsAnEntryIntoThatContainer() throws Exception {
        try (RuncContainer other = RuncContainer.builder().start()) {
            Scenarios.Alert a = setnsWithLeakedPidfdOf(other.pid(), true);
            assertEquals("Other Container Namespaces Entered By Pidfd From Container", a.rule(), a.output());
            assertEquals(Priority.ERROR, a.priority(), a.output());
            assertEquals(other.pid(), ((Number) a.event().syscall().args().get("target_pid")).intValue());
            assertEquals(Boolean.FALSE, a.event().syscall().args().get("ns_host"), a.output());
            assertEquals(Boolean.TRUE, a.event().syscall().args().get("target_other_mnt_ns"), a.output());
            assertEquals(other.id(), a.event().syscall().args().get("target_container"), "the alert names the entered container: " + a.output());
        }
    }

    /**
     * A host process ({@code bwtrigger pidfd-serve}) opens a pidfd of {@code target} and hands it to
     * an ordinary container over a unix socket in a shared directory; the container calls setns
     * with it. Returns the ns-enter-host alert.
     */
    private static Scenarios.Alert setnsWithLeakedPidfdOf(long target, boolean awaitServer) throws Exception {
        Scenarios.sensor();
        Scenarios.engine();
        Path dir = Files.createTempDirectory("bw-pidfd-");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path helper = Path.of(System.getProperty("bulwark.testHelpers", "target/test-helpers"), "bwtrigger");
        Process server = null;
        try (RuncContainer box = RuncContainer.builder().bind(dir, "/run/leak", false).start()) {
            server = new ProcessBuilder(helper.toString(), "pidfd-serve", dir.resolve("s").toString(), String.valueOf(target))
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("serving", out.readLine(), "the host side is listening");
            Scenarios.Alert a = expect(box, "ns-enter-host", "setns", "/bin/bwtrigger", "pidfd-recv-setns", "/run/leak/s");
            if (awaitServer) {
                assertTrue(server.waitFor(10, TimeUnit.SECONDS), "the host side handed the pidfd over");
            }
            return a;
        } finally {
            if (server != null) {
                server.destroyForcibly();
            }
            Scenarios.deleteTree(dir);
        }
    }
}
