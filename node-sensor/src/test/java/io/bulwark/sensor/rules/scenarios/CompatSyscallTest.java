package io.bulwark.sensor.rules.scenarios;

import static io.bulwark.sensor.rules.scenarios.Scenarios.bw;
import static io.bulwark.sensor.rules.scenarios.Scenarios.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.rules.scenarios.Scenarios.Alert;
import io.bulwark.sensor.testing.RuncContainer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The 32-bit syscall door: a 64-bit program in a container issues escape syscalls with {@code int 0x80}
 * (IA32 emulation), where the kernel numbers them by the ia32 table and takes the arguments from ebx,
 * ecx, edx, esi, edi. The sensor must report each under its x86_64 name with decoded arguments (read
 * through 32-bit pointers), flagged {@code compat}, attributed to the container, and the rule of that
 * syscall must fire as for the 64-bit call, its output saying {@code compat=true}. socket and connect
 * also go through ia32 socketcall(2), whose arguments are an array in user memory.
 */
@Tag("containers")
@Timeout(240)
class CompatSyscallTest {
    static RuncContainer box;
    static RuncContainer hostPid;

    @BeforeAll
    static void start() {
        Scenarios.sensor();
        Scenarios.engine();
        box = RuncContainer.builder().start();
        hostPid = RuncContainer.builder().privileged().hostPid().start();
    }

    @AfterAll
    static void stop() {
        for (RuncContainer c : new RuncContainer[]{box, hostPid}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** The alert's event came through the 32-bit door from 64-bit code, and the output says so. */
    private static Map<String, Object> assertCompat(Alert a, boolean socketcall) {
        Map<String, Object> args = a.event().syscall().args();
        assertEquals(Boolean.TRUE, args.get("compat"), () -> "compat flag: " + a.event().syscall());
        assertEquals(Boolean.TRUE, args.get("compat_64bit_code"), () -> "int 0x80 from 64-bit code: " + a.event().syscall());
        assertEquals(socketcall ? Boolean.TRUE : null, args.get("socketcall"), () -> "socketcall: " + a.event().syscall());
        assertTrue(a.output().contains("compat=true"), () -> "the output says compat: " + a.output());
        assertTrue(a.event().process().comm().equals("bwtrigger"), () -> "the caller: " + a.event().process());
        return args;
    }

    @Test
    void setnsIntoAHostNamespaceThroughInt80() {
        String target = "/proc/" + ProcessHandle.current().pid() + "/ns/mnt"; // a host process the container can see
        Alert a = expect(hostPid, "ns-enter-host", "setns", bw("int80-setns", target));
        assertEquals(Priority.CRITICAL, a.priority());
        Map<String, Object> args = assertCompat(a, false);
        assertEquals(Boolean.TRUE, args.get("ns_host"), args::toString);
        assertEquals("mnt", args.get("ns_type"), args::toString);
        assertEquals(0L, a.event().syscall().result(), "a privileged host-pid container may join: " + a.event().syscall());
        System.out.println("compat alert: " + a + "\nevent args: " + args); // the example in docs/escape-rules.md
    }

    @Test
    void userNamespaceByUnshareThroughInt80() {
        Alert a = expect(box, "userns-create", "unshare", bw("int80-unshare-user"));
        Map<String, Object> args = assertCompat(a, false);
        assertEquals("CLONE_NEWUSER", args.get("flags"));
    }

    @Test
    void mountsThroughInt80WithStringsBehind32BitPointers() {
        // refused with EPERM (no CAP_SYS_ADMIN): recon at NOTICE since issue 16 (was ERROR)
        Alert cg = recon("cgroup-release-agent", "mount", "Cgroup File System Mount Refused In Container",
                bw("int80-mount", "cgroup", "/tmp", "cgroup"));
        Map<String, Object> args = assertCompat(cg, false);
        assertEquals("cgroup", args.get("source"));
        assertEquals("/tmp", args.get("target"));
        assertEquals("cgroup", args.get("fstype"));
        assertEquals("EPERM", cg.event().syscall().errno(), cg.event().syscall()::toString);

        // refused with EPERM in this ordinary container: recon at NOTICE since issue 16 (was CRITICAL)
        long t0 = Scenarios.now();
        assertEquals(0, box.exec(bw("int80-mount", "/dev/sdz1", "/mnt", "ext4")).exitCode());
        Alert dev = Scenarios.await(box, t0, "Host Device Mount Refused In Container on mount",
                x -> "host-device-mount".equals(x.vector()) && x.event().syscall().name().equals("mount"));
        assertEquals("Host Device Mount Refused In Container", dev.rule(), dev.output());
        assertEquals(Priority.NOTICE, dev.priority());
        // ENOENT here: the box has no /mnt (the kernel looks the target up before it checks the capability)
        assertTrue(java.util.Set.of("EPERM", "ENOENT").contains(dev.event().syscall().errno()), dev.event().syscall()::toString);
        assertEquals("/dev/sdz1", assertCompat(dev, false).get("source"));
    }

    @Test
    void releaseAgentOpenedForWriteThroughInt80() {
        Alert a = expect(box, "cgroup-release-agent", "open", bw("int80-open-write", "/sys/fs/cgroup/memory/release_agent"));
        assertEquals(Priority.CRITICAL, a.priority());
        Map<String, Object> args = assertCompat(a, false);
        assertEquals("/sys/fs/cgroup/memory/release_agent", args.get("path"));
        assertEquals("O_WRONLY", args.get("flags"));
    }

    @Test
    void packetSocketThroughSocketcallAndThroughTheDirectIa32Socket() {
        // refused with EPERM (no CAP_NET_RAW in the default container): recon at NOTICE since issue 16 (was WARNING)
        Alert viaSocketcall = recon("packet-socket", "socket", "Packet Socket Refused In Container", bw("int80-packet-socket"));
        Map<String, Object> args = assertCompat(viaSocketcall, true);
        assertEquals("AF_PACKET", args.get("domain"));
        assertEquals("SOCK_RAW", args.get("type"));
        assertEquals("EPERM", viaSocketcall.event().syscall().errno(), "no CAP_NET_RAW in the default container");

        Alert direct = recon("packet-socket", "socket", "Packet Socket Refused In Container", bw("int80-packet-socket", "direct"));
        assertEquals("AF_PACKET", assertCompat(direct, false).get("domain"));
    }

    @Test
    void runtimeSocketConnectThroughSocketcall() {
        // no such socket in this container (ENOENT): recon at NOTICE since issue 16 (was CRITICAL)
        Alert a = recon("runtime-socket", "connect", "Container Runtime Socket Probed From Container", bw("int80-connect-unix", "/run/docker.sock"));
        assertEquals("ENOENT", a.event().syscall().errno(), a.event().syscall()::toString);
        Map<String, Object> args = assertCompat(a, true);
        assertEquals("AF_UNIX", args.get("family"));
        assertEquals("/run/docker.sock", args.get("path"));
    }

    /** An attempt that cannot succeed in this container: the vector's NOTICE recon rule, nothing at WARNING or above. */
    private static Alert recon(String vector, String syscall, String rule, String... argv) {
        long t0 = Scenarios.now();
        assertEquals(0, box.exec(argv).exitCode());
        Alert a = Scenarios.await(box, t0, rule + " on " + syscall,
                x -> vector.equals(x.vector()) && x.event().syscall().name().equals(syscall));
        assertEquals(rule, a.rule(), a.output());
        assertEquals(Priority.NOTICE, a.priority(), a.output());
        Scenarios.assertAttributed(box, a);
        Scenarios.sleep(150);
        assertTrue(Scenarios.alerts(box, t0).stream().noneMatch(Alert::atLeastWarning), () -> "recon is not an attempt: " + Scenarios.alerts(box, t0));
        return a;
    }

    @Test
    void sixteenBitSetreuidIsSetreuidWithMinusOneWidened() {
        Alert a = Scenarios.expectAs(box, 65534, "in-container-privesc", "setreuid", bw("int80-setreuid16", "-1", "0"));
        Map<String, Object> args = assertCompat(a, false);
        assertEquals(-1, args.get("ruid"), "0xffff of the 16-bit call is -1: " + args);
        assertEquals(0, args.get("euid"), args::toString);
        assertEquals("EPERM", a.event().syscall().errno());
    }

    /**
     * The 64-bit calls carry no compat flag (and their outputs say compat=false); an unwatched ia32 call
     * whose number is a watched x86_64 number (ia32 165 getresuid = x86_64 165 mount) is not reported as
     * that call.
     */
    @Test
    void ordinaryCallsAreNotCompatAndIa32NumbersAreNotReadAsX8664Ones() {
        Alert plain = expect(box, "userns-create", "unshare", bw("unshare-user"));
        assertNull(plain.event().syscall().args().get("compat"), plain.event().syscall()::toString);
        assertTrue(plain.output().contains("compat=false"), plain.output());

        // one shell: the ia32 getresuid, then an ia32 unshare whose alert proves the sensor saw the session
        long t0 = Scenarios.now();
        Alert after = expect(box, "userns-create", "unshare",
                Scenarios.sh("/bin/bwtrigger int80-getresuid | grep -q 'rc=0' && /bin/bwtrigger int80-unshare-user"));
        assertCompat(after, false);
        long cg = box.cgroupId();
        List<SensorEvent> mounts = Scenarios.sensor().all(e -> e.process() != null && e.process().cgroupId() == cg
                && e.time() >= t0 && e.syscall().name().equals("mount") && "bwtrigger".equals(e.process().comm()));
        assertTrue(mounts.isEmpty(), () -> "ia32 getresuid reported as mount: " + mounts);
        List<SensorEvent> compat = Scenarios.sensor().all(e -> e.process() != null && e.process().cgroupId() == cg
                && e.time() >= t0 && Boolean.TRUE.equals(e.syscall().args().get("compat")));
        assertFalse(compat.isEmpty(), "the ia32 unshare arrived");
        assertTrue(compat.stream().allMatch(e -> e.syscall().name().equals("unshare")), () -> "only the unshare: " + compat);
    }
}
