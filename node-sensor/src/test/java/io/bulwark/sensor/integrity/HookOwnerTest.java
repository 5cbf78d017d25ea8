package io.bulwark.sensor.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Priority;
import io.bulwark.sensor.probe.BpfInventory;
import io.bulwark.sensor.probe.BpfObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who owns an entry hook, on the real kernel's BPF programs. This kernel lets nothing hook a
 * function entry (no kprobes, fentry refused, no modules), so the hooks are made up: entries whose
 * call jumps to an address the test picks. Everything else is real: the test loads
 * rootkit_sigkill.bpf.o, attaches it to the sys_enter_read tracepoint (armed for a pid above
 * pid_max: it kills nobody), and the checker finds its JIT-compiled code through the kernel's
 * program inventory and names it.
 */
@Tag("kernel")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HookOwnerTest {
    private static final String NAME = "rk_kill_on_read";

    private static BpfObject loadTestProgram() {
        Path obj = Path.of(System.getProperty("bulwark.testBpf", "target/test-bpf"), "rootkit_sigkill.bpf.o");
        assertTrue(Files.isReadable(obj), "test BPF object missing: " + obj + " (mvn generate-test-resources; needs clang)");
        BpfObject o = BpfObject.open(obj);
        o.setConstU32("only_tgid", Integer.MAX_VALUE - 1);
        o.load();
        assertEquals(Map.of(), o.attachAll());
        return o;
    }

    private static BpfInventory.Program find(BpfCode code) {
        assertEquals(null, code.unreadable());
        // the test's own program: the one this process holds
        java.util.Set<Integer> mine = BpfCheck.heldBy(Path.of("/proc/self"));
        return new BpfInventory().programs(0).stream().filter(p -> p.name().equals(NAME) && mine.contains(p.id()))
                .findFirst().orElseThrow(() -> new AssertionError("the test program is not in the kernel's inventory"));
    }

    private static TextCheck.Hook hookTo(String function, long target) {
        return new TextCheck.Hook(function, 0xffffffff81000000L, "e8000000000f1f", "call 0x" + Long.toHexString(target), target);
    }

    private static final TextCheck.FtraceTable NO_FTRACE = new TextCheck.FtraceTable(Map.of(), "not read by this test");

    @Test
    void hooksIntoABpfProgramsCodeAreOneCriticalFindingNamingTheProgramItsAttachmentAndTheLoadingProcess() throws Exception {
        try (BpfObject ignored = loadTestProgram()) {
            BpfCode code = BpfCode.read();
            BpfInventory.Program p = find(code);
            assertTrue(p.jitStarts().length > 0 && p.jitLens()[0] > 0, "root sees the program's JIT address and length: " + p);
            TextCheck text = new TextCheck(KernelSymbols.load());
            long start = p.jitStarts()[0];
            Map<String, Object> stats = new LinkedHashMap<>();
            List<Finding> found = text.ownerFindings(List.of(hookTo("__x64_sys_read", start), hookTo("__x64_sys_openat", start + p.jitLens()[0] - 1),
                    hookTo("__ia32_sys_read", start + 1)), NO_FTRACE, code, stats);

            assertEquals(1, found.size(), "one finding per owner, not per function: " + found);
            Finding f = found.get(0);
            Map<String, Object> d = f.details();
            assertEquals(IntegrityRules.ENTRY_HOOK, f.rule());
            assertEquals(Priority.CRITICAL, f.priority());
            assertEquals("bpf:" + NAME + "#" + p.id(), d.get("owner"));
            assertEquals(List.of("__x64_sys_read", "__x64_sys_openat", "__ia32_sys_read"), d.get("functions"));
            assertEquals(p.id(), d.get("prog_id"));
            assertEquals(NAME, d.get("prog_name"));
            assertEquals("tracepoint", d.get("prog_type"));
            assertEquals("perf_event/tracepoint", d.get("attach_type"));
            assertTrue(d.get("attached").toString().contains("sys_enter_read"), d.toString());
            String self = Long.toString(ProcessHandle.current().pid());
            assertTrue(((List<?>) d.get("held_by")).stream().anyMatch(h -> h.toString().startsWith(self + " ")), "the loading process: " + d);
            assertTrue(f.summary().contains("'" + NAME + "' (id " + p.id() + ", tracepoint, attached: perf_event/tracepoint; held by "),
                    f.summary());
            assertTrue(f.summary().contains(self + " ("), f.summary());

            // the alert a user sees carries the same (output_fields integrity.*) and is a valid envelope
            IntegrityReport r = new IntegrityReport(java.time.Instant.now().toString(), "check", List.of(f), Map.of(), Map.of(), 1);
            AlertEnvelope a = new IntegrityAlerts(new AlertDetail.Node("node-1", null, "6.18"), "local", "none").alerts(r).get(0);
            assertEquals("CRITICAL", a.detail().priority());
            assertEquals(p.id(), a.detail().outputFields().get("integrity.prog_id"));
            assertEquals("perf_event/tracepoint", a.detail().outputFields().get("integrity.attach_type"));
            System.out.println("alert: " + io.bulwark.sensor.alert.AlertFactory.line(a));
        }
    }

    @Test
    void anAddressJustPastAProgramsCodeIsNotThatProgram() throws Exception {
        try (BpfObject ignored = loadTestProgram()) {
            BpfCode code = BpfCode.read();
            BpfInventory.Program p = find(code);
            TextCheck text = new TextCheck(KernelSymbols.load());
            long past = p.jitStarts()[0] + p.jitLens()[0];
            String owner = text.ownerOf("__x64_sys_read", past, NO_FTRACE, code);
            // kallsyms' nearest symbol below may still be this program's (its "end" is the next symbol):
            // the program's code ends before, so the hook is someone else's (another program packed
            // right after it, or code no table names)
            assertFalse(owner.startsWith("bpf:" + NAME + "#" + p.id()), owner);
            assertFalse(owner.startsWith("bpf?:"), "the inventory was read: no guess by name: " + owner);
        }
    }

    @Test
    void knownAgentsAreAllowedByProgramNameAndBulwarksOwnAlways() throws Exception {
        try (BpfObject ignored = loadTestProgram()) {
            BpfCode code = BpfCode.read();
            BpfInventory.Program p = find(code);
            TextCheck text = new TextCheck(KernelSymbols.load());
            text.allowOwners(List.of("bpf:" + NAME));
            Map<String, Object> stats = new LinkedHashMap<>();
            List<Finding> found = text.ownerFindings(List.of(hookTo("__x64_sys_read", p.jitStarts()[0]),
                    hookTo("__x64_sys_setns", -1)), NO_FTRACE, code, stats);
            assertEquals(List.of("unknown"), found.stream().map(f -> f.details().get("owner")).toList(), "the unknown owner stays: " + found);
            assertEquals(Priority.CRITICAL, found.get(0).priority());
            assertEquals(Map.of("bpf:" + NAME + "#" + p.id(), 1), stats.get("allowed_entry_hooks"));
        }
        TextCheck fresh = new TextCheck(KernelSymbols.load());
        assertTrue(fresh.allowedOwner("bpf:bw_sys_enter#42"), "Bulwark's own programs");
        assertFalse(fresh.allowedOwner("bpf:" + NAME + "#42"), "not allowed unless configured");
        assertFalse(fresh.allowedOwner("unknown"));
    }
}
