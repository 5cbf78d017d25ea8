package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.sensor.event.SyscallTable;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The ia32 -> x86_64 table written into the BPF object, built from the build's asm/unistd_32.h: every
 * syscall the sensor watches is reachable through the 32-bit door, and the ia32 oddities map right.
 */
class Ia32TableTest {
    final Ia32Table t = Ia32Table.get();
    final SyscallTable x64 = SyscallTable.get();

    private int x64Of(String ia32Name) {
        int nr = t.ia32Number(ia32Name);
        assertTrue(nr >= 0, () -> ia32Name + " is not in bpf/syscalls32.tsv (built from asm/unistd_32.h: apt-get install linux-libc-dev)");
        return t.x64Number(nr);
    }

    @Test
    void everyWatchedSyscallHasItsIa32DoorTranslated() {
        List<String> missing = new ArrayList<>();
        for (String name : Stream.concat(Watchlist.EVERYWHERE.stream(), Watchlist.CONTAINER_ONLY.stream()).toList()) {
            int want = x64.number(name);
            boolean reached = false;
            for (int i = 0; i < Ia32Table.SIZE; i++) {
                reached |= t.x64Number(i) == want;
            }
            if (!reached && !(name.equals("socket") || name.equals("connect"))) {
                missing.add(name);
            }
        }
        assertEquals(List.of(), missing, "watched syscalls with no ia32 number translated to them");
    }

    @Test
    void sameNamesMapDirectlyAndTheKnownIa32NumbersAreRight() {
        assertEquals(x64.number("setns"), x64Of("setns"));
        assertEquals(346, t.ia32Number("setns"));
        assertEquals(21, t.ia32Number("mount"));
        assertEquals(x64.number("mount"), x64Of("mount"));
        assertEquals(x64.number("socket"), x64Of("socket"));   // the direct ia32 socket(2), 359
        assertEquals(x64.number("connect"), x64Of("connect")); // 362
    }

    @Test
    void thirtyTwoBitUidCallsMapWithoutTheSuffixAndTheOld16BitOnesAreMarked() {
        assertEquals(213, t.ia32Number("setuid32"));
        assertEquals(x64.number("setuid"), x64Of("setuid32"));
        assertEquals(x64.number("setresuid"), x64Of("setresuid32"));
        assertEquals(x64.number("setuid"), x64Of("setuid")); // 23, 16-bit uid
        SyscallTable s = SyscallTable.get();
        assertEquals(Ia32Table.UID16, Ia32Table.entry("setreuid", s) & Ia32Table.UID16);
        assertEquals(0, Ia32Table.entry("setreuid32", s) & Ia32Table.UID16);
        assertEquals(0, Ia32Table.entry("chown", s) & Ia32Table.UID16, "only the set*id calls have their arguments widened");
    }

    @Test
    void socketcallIsDecodedInTheKernelAndOldMmapIsLeftOut() {
        assertEquals(Ia32Table.SOCKETCALL, Ia32Table.entry("socketcall", x64));
        assertEquals(-1, x64Of("socketcall"));
        assertEquals(-1, x64Of("mmap"), "ia32 mmap (90) takes one struct pointer");
        assertEquals(x64.number("mmap"), x64Of("mmap2"));
        assertEquals(-1, x64Of("ipc"));
        // ia32 165 is getresuid, 165 on x86_64 is mount: the table sends it to getresuid
        assertEquals(165, t.ia32Number("getresuid"));
        assertEquals(x64.number("getresuid"), t.x64Number(165));
    }

    @Test
    void syscallModesMarkTheIa32NumbersOfWatchedCallsOnly() {
        byte[] modes = Probe.syscallModes();
        assertEquals(Watchlist.IA32, modes[t.ia32Number("setns")] & Watchlist.IA32);
        assertEquals(Watchlist.IA32, modes[t.ia32Number("setuid32")] & Watchlist.IA32);
        assertEquals(Watchlist.IA32, modes[t.ia32Number("socketcall")] & Watchlist.IA32);
        assertEquals(0, modes[t.ia32Number("getresuid")] & Watchlist.IA32, "165 is watched as x86_64 mount only");
        assertEquals(Watchlist.ON, modes[x64.number("mount")] & Watchlist.ON);
        // getppid (x86_64 110) is unwatched in both tables (ia32 110 is iopl): the kernel returns before reading the task
        assertEquals(0, modes[x64.number("getppid")]);
    }

    @Test
    void theKernelTableIsLittleEndianEntryPerIa32Number() {
        byte[] b = t.constBytes();
        assertEquals(Ia32Table.SIZE * 2, b.length);
        int setns = t.ia32Number("setns");
        int v = (b[2 * setns] & 0xff) | (b[2 * setns + 1] & 0xff) << 8;
        assertEquals(x64.number("setns") + 1, v);
    }
}
