package io.bulwark.sensor.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kallsyms parser the integrity checks stand on: addresses, types, names and modules read
 * right from a fixture laid out like /proc/kallsyms, and from the running kernel's own table.
 */
class KernelSymbolsParseTest {

    @Test
    void parsesAddressesTypesNamesAndModulesInAnyOrder(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("kallsyms");
        Files.writeString(f, String.join("\n",
                "ffffffffc0a02000 t helper_two\t[nf_tables]",
                "ffffffff81000000 T _stext",
                "ffffffff81000100 T do_one_initcall",
                "garbage line",
                "",
                "ffffffffc0a01000 t helper_one\t[nf_tables]",
                "ffffffff81000200 d some_data") // no newline at the end
        );
        KernelSymbols s = KernelSymbols.load(f);
        assertEquals(5, s.size(), "the malformed and empty lines are skipped");
        KernelSymbols.Symbol init = s.byName("do_one_initcall");
        assertEquals(0xffffffff81000100L, init.addr());
        assertEquals('T', init.type());
        assertNull(init.module());
        assertEquals(0xffffffff81000200L, init.end(), "ends where the next symbol by address starts");
        KernelSymbols.Symbol mod = s.byName("helper_one");
        assertEquals("[nf_tables]", mod.module());
        assertEquals(0xffffffffc0a02000L, mod.end());
        assertEquals("helper_one", s.containing(0xffffffffc0a01010L).name());
        assertEquals("some_data", s.byName("some_data").name(), "the last line without a newline is read");
        assertEquals(List.of("helper_one", "helper_two"), s.withPrefix("helper_").stream().map(KernelSymbols.Symbol::name).toList());
    }

    @Test
    void zeroAddressesMeanTheKernelHidesThemAndSaySo(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("kallsyms");
        Files.writeString(f, "0000000000000000 T _stext\n0000000000000000 T do_one_initcall\n");
        IOException e = assertThrows(IOException.class, () -> KernelSymbols.load(f));
        assertTrue(e.getMessage().contains("kptr_restrict"), e.getMessage());
    }

    @Tag("kernel")
    @Test
    void readsTheRunningKernelsWholeTable() throws IOException {
        long lines;
        try (var l = Files.lines(Path.of("/proc/kallsyms"))) {
            lines = l.count();
        }
        KernelSymbols s = KernelSymbols.load();
        assertEquals(lines, s.size(), "one symbol per line of /proc/kallsyms");
        assertTrue(s.inKernelText(s.addr("__x64_sys_getdents64")), "a syscall handler is kernel text");
        assertEquals(s.addr("_stext"), s.byName("_stext").addr());
    }
}
