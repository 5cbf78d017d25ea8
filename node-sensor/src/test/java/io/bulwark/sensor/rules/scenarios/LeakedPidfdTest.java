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
 * ns-enter-host through a pidfd leaked into a container (its own pid namespace): a host process opens a
 * pidfd of a host process and hands it over a unix socket in a shared directory; the container calls
 * setns with it. The sensor names the target process from the pidfd and finds it in the host's mount
 * namespace. An ordinary container holds no CAP_SYS_ADMIN: the kernel refuses the entry (EPERM) and
 * no container configured so can join, so the entry is recon, Namespace Entry Refused In Container at
 * NOTICE (issue 16), with the target named; a container holding CAP_SYS_ADMIN keeps CRITICAL (ERROR for
 * another container's process), whatever the result.
 */
@Tag("containers")
@Timeout(120)
class LeakedPidfdTest {
    private static final String REFUSED = "Namespace Entry Refused In Container";

    @Test
    void setnsWithAPidfdOfAHostProcessLeakedIntoAContainerIsHostNamespaceEntry() throws Exception {
        // the target: a host process (this JVM; pid 1 of a sandbox may hide its namespaces even from root)
        Scenarios.Alert a = setnsWithLeakedPidfdOf(ProcessHandle.current().pid(), true, false);
        assertEquals(REFUSED, a.rule(), a.output());
        assertEquals(Priority.NOTICE, a.priority(), a.output());
        assertEquals("EPERM", a.event().syscall().errno(), a.output());
        assertEquals(Boolean.TRUE, a.event().syscall().args().get("ns_host"), a.output());
        assertTrue(a.output().contains("target_pid=" + ProcessHandle.current().pid()), a.output());
    }

    /** The same pidfd in a container holding CAP_SYS_ADMIN: the entry is not refused for want of it, CRITICAL. */
    @Test
    void aContainerWithCapSysAdminKeepsHostNamespaceEntryCritical() throws Exception {
        Scenarios.Alert a = setnsWithLeakedPidfdOf(ProcessHandle.current().pid(), true, true);
        assertEquals("Host Namespace Entered From Container", a.rule(), a.output());
        assertEquals(Priority.CRITICAL, a.priority(), a.output());
        System.out.println("alert: " + a);
    }

    /**
     * The same with the host's pid 1 as the target. In a sandboxed node (this CI) even root cannot
     * read /proc/1/ns/*: the sensor then decides by the target's pid namespace (root pid namespace
     * = outside every container with its own pid namespace).
     */
    @Test
    void aPidfdOfTheHostsInitIsHostNamespaceEntryEvenWhenItsNamespacesAreUnreadable() throws Exception {
        Scenarios.Alert a = setnsWithLeakedPidfdOf(1, false, false);
        assertEquals(REFUSED, a.rule(), a.output());
        assertEquals(Boolean.TRUE, a.event().syscall().args().get("ns_host"), a.output());
        assertEquals(1, ((Number) a.event().syscall().args().get("target_pid")).intValue());
        Scenarios.Alert capable = setnsWithLeakedPidfdOf(1, false, true);
        assertEquals(Priority.CRITICAL, capable.priority(), capable.output());
    }

    /**
     * A pidfd of another container's process (its init) leaked into a container: neither the host's
     * namespaces nor the caller's own. An entry into a neighbour, naming the target: ERROR with
     * CAP_SYS_ADMIN, recon without it.
     */
    @Test
    void aPidfdOfAnotherContainersProcessIsAnEntryIntoThatContainer() throws Exception {
        try (RuncContainer other = RuncContainer.builder().start()) {
            Scenarios.Alert a = setnsWithLeakedPidfdOf(other.pid(), true, true);
            assertEquals("Other Container Namespaces Entered By Pidfd From Container", a.rule(), a.output());
            assertEquals(Priority.ERROR, a.priority(), a.output());
            assertEquals(other.pid(), ((Number) a.event().syscall().args().get("target_pid")).intValue());
            assertEquals(Boolean.FALSE, a.event().syscall().args().get("ns_host"), a.output());
            assertEquals(Boolean.TRUE, a.event().syscall().args().get("target_other_mnt_ns"), a.output());
            assertEquals(other.id(), a.event().syscall().args().get("target_container"), "the alert names the entered container: " + a.output());
            Scenarios.Alert refused = setnsWithLeakedPidfdOf(other.pid(), true, false);
            assertEquals(REFUSED, refused.rule(), refused.output());
            assertEquals(other.id(), refused.event().syscall().args().get("target_container"), refused.output());
        }
    }

    /**
     * A host process ({@code bwtrigger pidfd-serve}) opens a pidfd of {@code target} and hands it to
     * an ordinary container over a unix socket in a shared directory; the container calls setns
     * with it. Returns the ns-enter-host alert.
     */
    private static Scenarios.Alert setnsWithLeakedPidfdOf(long target, boolean awaitServer, boolean capSysAdmin) throws Exception {
        Scenarios.sensor();
        Scenarios.engine();
        Path dir = Files.createTempDirectory("bw-pidfd-");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path helper = Path.of(System.getProperty("bulwark.testHelpers", "target/test-helpers"), "bwtrigger");
        Process server = null;
        RuncContainer.Builder b = RuncContainer.builder().bind(dir, "/run/leak", false);
        try (RuncContainer box = (capSysAdmin ? b.capAdd("CAP_SYS_ADMIN") : b).start()) {
            server = new ProcessBuilder(helper.toString(), "pidfd-serve", dir.resolve("s").toString(), String.valueOf(target))
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("serving", out.readLine(), "the host side is listening");
            Scenarios.Alert a = capSysAdmin ? expect(box, "ns-enter-host", "setns", "/bin/bwtrigger", "pidfd-recv-setns", "/run/leak/s")
                    : refused(box);
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

    /** The container's refused setns: the NOTICE twin, attributed, and nothing of the container at WARNING or above. */
    private static Scenarios.Alert refused(RuncContainer box) {
        long t0 = Scenarios.now();
        assertEquals(0, box.exec("/bin/bwtrigger", "pidfd-recv-setns", "/run/leak/s").exitCode());
        Scenarios.Alert a = Scenarios.await(box, t0, REFUSED, x -> "ns-enter-host".equals(x.vector()) && x.event().syscall().name().equals("setns"));
        System.out.println("alert: " + a);
        assertEquals(Priority.NOTICE, a.priority(), a.output());
        Scenarios.assertAttributed(box, a);
        Scenarios.sleep(150);
        assertTrue(Scenarios.alerts(box, t0).stream().noneMatch(Scenarios.Alert::atLeastWarning),
                () -> "recon is not an attempt: " + Scenarios.alerts(box, t0));
        return a;
    }
}
