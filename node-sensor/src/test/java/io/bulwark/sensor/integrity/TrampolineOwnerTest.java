package io.bulwark.sensor.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.sensor.probe.BpfInventory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An entry hook through a BPF trampoline (fentry/fexit/LSM: how BPF programs really hook a
 * function entry) is named by the program behind it. This kernel refuses fentry, fexit and LSM
 * programs (docs/integrity.md), so the kallsyms table and the program list are fixtures laid out
 * as the kernel reports them: a trampoline symbol {@code bpf_trampoline_<key>} with key = BTF
 * object id << 32 | BTF type id, and programs whose attach_btf_obj_id / attach_btf_id say the same.
 */
class TrampolineOwnerTest {
    private static final long ONE_PROG = 0xffffffffc0100000L, TWO_PROGS = 0xffffffffc0101000L;

    private static KernelSymbols kallsyms(Path dir) throws IOException {
        Path f = dir.resolve("kallsyms");
        Files.writeString(f, String.join("\n",
                "ffffffff81000000 T _stext",
                "ffffffff81000100 T __x64_sys_kill",
                "ffffffff81000200 T __x64_sys_read",
                "ffffffff82000000 T _etext",
                "ffffffffc0100000 t bpf_trampoline_" + ((1L << 32) | 100) + "\t[bpf]",
                "ffffffffc0101000 t bpf_trampoline_" + ((1L << 32) | 200) + "\t[bpf]",
                "ffffffffc0200000 t bpf_prog_0011223344556677_unrelated\t[bpf]", ""));
        return KernelSymbols.load(f);
    }

    private static BpfInventory.Program tracing(int id, String name, int btfId) {
        return new BpfInventory.Program(id, 26, name, "00112233445566" + String.format("%02x", id), 1_000_000_000L, 0, 1, 0, 1, btfId, new long[0], 0);
    }

    private static final BpfCode CODE = new BpfCode(
            List.of(tracing(41, "agent_fentry", 100), tracing(42, "audit_fexit", 200), tracing(43, "other_fentry", 200)),
            List.of(new BpfInventory.Link(7, 2, 41, "btf_obj 1 type 100", 0)), null);

    private static TextCheck.Hook hook(String function, long target) {
        return new TextCheck.Hook(function, 0xffffffff81000100L, "e8", "call 0x" + Long.toHexString(target), target);
    }

    private static final TextCheck.FtraceTable NO_FTRACE = new TextCheck.FtraceTable(Map.of(), "fixture");

    @Test
    void aTrampolineCallingOneProgramIsThatProgramNamedWithItsAttachment(@TempDir Path dir) throws IOException {
        TextCheck text = new TextCheck(kallsyms(dir));
        List<Finding> found = text.ownerFindings(List.of(hook("__x64_sys_kill", ONE_PROG + 0x40)), NO_FTRACE, CODE, new LinkedHashMap<>());
        assertEquals(1, found.size());
        Finding f = found.get(0);
        assertEquals(Priority.CRITICAL, f.priority());
        assertEquals("bpf:agent_fentry#41", f.details().get("owner"));
        assertEquals(41, f.details().get("prog_id"));
        assertEquals("tracing", f.details().get("prog_type"));
        assertEquals("tracing", f.details().get("attach_type"));
        assertEquals(List.of("tracing btf_obj 1 type 100 (link 7)"), f.details().get("attached"));
        assertTrue(f.summary().contains("BPF program 'agent_fentry' (id 41, tracing, attached: tracing;"), f.summary());
    }

    @Test
    void aTrampolineCallingSeveralProgramsNamesThemAll(@TempDir Path dir) throws IOException {
        TextCheck text = new TextCheck(kallsyms(dir));
        List<Finding> found = text.ownerFindings(List.of(hook("__x64_sys_read", TWO_PROGS + 0x10)), NO_FTRACE, CODE, new LinkedHashMap<>());
        Finding f = found.get(0);
        assertEquals("bpf-trampoline:" + ((1L << 32) | 200), f.details().get("owner"));
        assertEquals(List.of(42, 43), ((List<?>) f.details().get("programs")).stream().map(p -> ((Map<?, ?>) p).get("prog_id")).toList());
        assertTrue(f.summary().contains("calling 'audit_fexit' (id 42), 'other_fentry' (id 43)"), f.summary());
    }

    @Test
    void withoutTheProgramListTheTrampolineKeyIsAllThereIs(@TempDir Path dir) throws IOException {
        TextCheck text = new TextCheck(kallsyms(dir));
        assertEquals("bpf-trampoline:" + ((1L << 32) | 100), text.ownerOf("__x64_sys_kill", ONE_PROG + 0x40, NO_FTRACE, null));
        // a program the list does not know behind that key: the key again, not a guess
        BpfCode other = new BpfCode(List.of(tracing(50, "elsewhere", 999)), List.of(), null);
        assertEquals("bpf-trampoline:" + ((1L << 32) | 100), text.ownerOf("__x64_sys_kill", ONE_PROG + 0x40, NO_FTRACE, other));
    }
}
