package io.bulwark.sensor.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.sensor.probe.BpfInventory;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * bpf_probe_write_user cannot be loaded on this kernel (lockdown=integrity refuses it to every
 * program), so the CRITICAL rule is tested on an inventory record whose helper address is the
 * real kernel's bpf_probe_write_user; the decoding of helper addresses from a loaded program's
 * instructions is exercised for real by IntegrityCheckerTest (bpf_send_signal).
 */
@Tag("kernel")
class BpfPolicyTest {

    private static BpfInventory.Program prog(int id, int type, String name, long... helpers) {
        return new BpfInventory.Program(id, type, name, "00112233445566" + String.format("%02x", id), 1_000_000_000L, 0, 1, 0, 0, 0, helpers, 0);
    }

    @Test
    void probeWriteUserIsCriticalEvenInTheBaseline() throws Exception {
        KernelSymbols syms = KernelSymbols.load();
        long writeUser = syms.addr("bpf_probe_write_user");
        assertTrue(writeUser != 0, "bpf_probe_write_user is in kallsyms");
        BpfCheck c = new BpfCheck();
        List<Finding> f = c.evaluate(syms, List.of(prog(7, 5, "pidhide", writeUser)),
                List.of(new BpfInventory.Link(3, 7, 7, "sys_exit_getdents64", 5)), true, new HashMap<>(), 0);
        assertEquals(1, f.size());
        assertEquals(IntegrityRules.BPF_ROOTKIT, f.get(0).rule());
        assertEquals(Priority.CRITICAL, f.get(0).priority());
        assertEquals(List.of("bpf_probe_write_user"), f.get(0).details().get("helpers"));
        assertTrue(f.get(0).details().get("attached").toString().contains("perf_event/tracepoint sys_exit_getdents64"));
        assertEquals(false, f.get(0).details().get("new_since_baseline"));
    }

    @Test
    void onlyNewProgramsRaiseTheSignalAndSyscallRules() throws Exception {
        KernelSymbols syms = KernelSymbols.load();
        long signal = syms.addr("bpf_send_signal");
        BpfCheck c = new BpfCheck();
        BpfInventory.Program old = prog(1, 5, "agent_kill", signal);
        assertEquals(List.of(), c.evaluate(syms, List.of(old), List.of(), true, new HashMap<>(), 0), "in the baseline: not new");
        BpfInventory.Program watcher = prog(2, 26, "watch", syms.addr("bpf_get_current_pid_tgid"));
        BpfInventory.Program net = prog(3, 6, "xdp_pass");
        List<Finding> f = c.evaluate(syms, List.of(old, watcher, net), List.of(new BpfInventory.Link(9, 1, 2, "sys_enter", 0)),
                false, new HashMap<>(), 0);
        assertEquals(1, f.size(), f.toString());
        assertEquals(IntegrityRules.BPF_SYSCALL_HOOK, f.get(0).rule());
        assertEquals("watch", f.get(0).details().get("prog_name"));
    }
}
