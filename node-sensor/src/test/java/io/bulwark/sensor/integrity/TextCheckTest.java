package io.bulwark.sensor.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Kernel text cannot be patched on this machine (no modules, lockdown=integrity, ftrace locked),
 * so the change detection is tested on captured bytes: the real baseline of the real kernel is
 * altered as a hook would alter it, and the checker compares the live text with it.
 */
@Tag("kernel")
class TextCheckTest {
    private static IntegrityChecker checker;
    private static KernelSymbols syms;

    @BeforeAll
    static void open() throws Exception {
        checker = IntegrityChecker.open(java.util.EnumSet.of(IntegrityChecker.Check.POINTERS, IntegrityChecker.Check.TEXT));
        syms = KernelSymbols.load();
        checker.baseline();
    }

    @AfterAll
    static void close() {
        if (checker != null) {
            checker.close();
        }
    }

    @Test
    void aPatchedCallInsideTheSyscallDispatcherIsReportedWithItsOffset() {
        TextCheck text = checker.textCheck();
        byte[] real = text.baselineBytes("x64_sys_call");
        assertNotNull(real, "x64_sys_call is read whole");
        // Pretend the baseline held different bytes at +0x40: live text now "differs" there, as it
        // would after a rootkit rewrote a call displacement in the dispatcher.
        byte[] fake = real.clone();
        fake[0x40] ^= 0x5a;
        text.replaceBaseline("x64_sys_call", fake);
        try {
            IntegrityReport r = checker.check();
            List<Finding> f = r.findings().stream().filter(x -> x.target().equals("x64_sys_call")).toList();
            assertEquals(1, f.size(), r.findings().toString());
            assertEquals(IntegrityRules.TEXT_MODIFIED, f.get(0).rule());
            assertEquals("x64_sys_call+0x40", f.get(0).details().get("first_change"));
            assertEquals(1, f.get(0).details().get("bytes_changed"));
        } finally {
            text.replaceBaseline("x64_sys_call", real);
        }
        assertTrue(NodeHooks.withoutPreexisting(checker.check().findings()).isEmpty(), "baseline restored: clean again");
    }

    @Test
    void entryHooksAreNamedWithTheirTarget() {
        TextCheck text = checker.textCheck();
        KernelSymbols.Symbol f = syms.byName("__x64_sys_getdents64");
        long hookAt = syms.addr("tcp4_seq_show"); // any kernel function as the "hook"
        byte[] jmp = new byte[16];
        jmp[0] = (byte) 0xe9;
        ByteBuffer.wrap(jmp, 1, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) (hookAt - (f.addr() + 5)));
        assertEquals("jmp tcp4_seq_show", text.entryState(jmp, 0, f.addr()));
        byte[] call = jmp.clone();
        call[0] = (byte) 0xe8;
        ByteBuffer.wrap(call, 1, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) (syms.addr("ftrace_caller") - (f.addr() + 5)));
        assertTrue(text.entryState(call, 0, f.addr()).startsWith("call ftrace_caller (ftrace"), text.entryState(call, 0, f.addr()));
        ByteBuffer.wrap(call, 1, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) (syms.addr("__fentry__") - (f.addr() + 5)));
        assertNull(text.entryState(call, 0, f.addr()), "call __fentry__ is the compiler's own ftrace site");
        long outside = 0xffffffffc0001000L; // module/BPF space: not kernel text
        ByteBuffer.wrap(call, 1, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) (outside - (f.addr() + 5)));
        assertTrue(text.entryState(call, 0, f.addr()).contains("outside kernel text"), text.entryState(call, 0, f.addr()));
        assertNull(text.entryState(HexFormat.of().parseHex("0f1f44000041574156415541545553"), 0, f.addr()));
        assertNull(text.entryState(HexFormat.of().parseHex("f30f1efa0f1f4400004157415641"), 0, f.addr()), "endbr64; nop5 (IBT kernels)");
        assertTrue(text.entryState(HexFormat.of().parseHex("cc1f44000041574156415541545553"), 0, f.addr()).startsWith("int3"));
        assertTrue(text.entryState(HexFormat.of().parseHex("48b80010000000c0ffffffffe0909090"), 0, f.addr()).startsWith("movabs"));
    }

    @Test
    void jumpLabelSitesMayFlipBetweenTheirLegalStatesOnly() {
        TextCheck text = checker.textCheck();
        Map<Long, Long> sites = text.sites();
        Map.Entry<Long, Long> jl = sites.entrySet().stream().filter(e -> e.getValue() != 0).findFirst().orElse(null);
        assertNotNull(jl, "this kernel has jump labels inside the checked functions (measured: " + sites.size() + " patch sites)");
        TextCheck.Region g = text.baselineRegions().values().stream()
                .filter(r -> jl.getKey() >= r.addr() && jl.getKey() + 5 <= r.addr() + r.len()).findFirst().orElseThrow();
        byte[] base = text.baselineBytes(g.name());
        int off = (int) (jl.getKey() - g.addr());
        byte[] jmp = base.clone();
        jmp[off] = (byte) 0xe9;
        ByteBuffer.wrap(jmp, off + 1, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) (jl.getValue() - (jl.getKey() + 5)));
        byte[] nop = base.clone();
        System.arraycopy(TextCheck.NOP5, 0, nop, off, 5);
        assertNull(text.compare(g, jmp, nop), "nop5 at a jump-label site is legal");
        assertNull(text.compare(g, nop, jmp), "jmp to the declared target is legal");
        byte[] elsewhere = jmp.clone();
        ByteBuffer.wrap(elsewhere, off + 1, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) (jl.getValue() + 0x40 - (jl.getKey() + 5)));
        assertNotNull(text.compare(g, nop, elsewhere), "a jump somewhere else at the site is a modification");
    }
}
