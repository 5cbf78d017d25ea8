package io.bulwark.sensor.probe;

import io.bulwark.sensor.event.SyscallTable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The 32-bit syscall door (x86 IA32 emulation: {@code int 0x80}, {@code sysenter}, the 32-bit
 * {@code syscall}, from a 32-bit program or from 64-bit code): ia32 syscall numbers translated to
 * their x86_64 equivalents, written into the BPF object's read-only {@code ia32_to_x64} table before
 * load. Without it a container could call setns, mount, unshare, bpf ... under ia32 numbers the
 * x86_64 table does not watch.
 *
 * <p>The ia32 names come from {@code /bpf/syscalls32.tsv}, generated at build time from
 * {@code asm/unistd_32.h} (src/main/bpf/Makefile). A name maps to the x86_64 syscall of the same
 * name, except: the {@code *32} uid/gid calls map to the x86_64 call without the suffix; the old
 * 16-bit uid/gid calls ({@code setuid}, {@code setreuid} ... numbers below 200) map to the same name
 * with {@link #UID16} (the kernel widens their arguments); {@code mmap2} maps to {@code mmap};
 * {@code socketcall} is {@link #SOCKETCALL} (the kernel side decodes SYS_SOCKET and SYS_CONNECT);
 * {@code mmap} and {@code select} are left out (ia32's are the old one-struct-argument variants).
 * Anything else without an x86_64 namesake (ipc, the {@code _time64} calls, stat64 ...) is not
 * translated: the kernel side ignores it.
 */
public final class Ia32Table {
    /** Entries of the kernel table (BW_IA32_MAX). */
    public static final int SIZE = 512;
    /** Entry bits (bulwark_events.h): x86_64 number + 1 in the low 12 bits, 0 = not translated. */
    public static final int NR_MASK = 0x0fff;
    public static final int UID16 = 0x4000;
    public static final int SOCKETCALL = 0x8000;

    private static final Set<String> UID16_CALLS = Set.of(
            "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid");
    /** ia32 calls whose x86_64 namesake takes other arguments. */
    private static final Set<String> DIFFERENT = Set.of("mmap", "select");

    private static final Ia32Table INSTANCE = load();

    private final short[] entries;
    private final Map<Integer, String> names;

    private Ia32Table(short[] entries, Map<Integer, String> names) {
        this.entries = entries;
        this.names = names;
    }

    public static Ia32Table get() {
        return INSTANCE;
    }

    private static Ia32Table load() {
        Map<Integer, String> names = new LinkedHashMap<>();
        try (InputStream in = Ia32Table.class.getResourceAsStream("/bpf/syscalls32.tsv")) {
            if (in != null) {
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                String line;
                while ((line = r.readLine()) != null) {
                    String[] f = line.split("\t");
                    names.put(Integer.parseInt(f[0]), f[1]);
                }
            }
            // absent: not an x86 build (the Makefile writes it only there); every entry stays 0
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SyscallTable x64 = SyscallTable.get();
        short[] entries = new short[SIZE];
        for (Map.Entry<Integer, String> e : names.entrySet()) {
            int nr = e.getKey();
            if (nr >= 0 && nr < SIZE) {
                entries[nr] = (short) entry(e.getValue(), x64);
            }
        }
        return new Ia32Table(entries, names);
    }

    /** The table entry of the ia32 call {@code name}. */
    static int entry(String name, SyscallTable x64) {
        if (name.equals("socketcall")) {
            return SOCKETCALL;
        }
        if (DIFFERENT.contains(name)) {
            return 0;
        }
        String target = name;
        int flags = 0;
        if (name.equals("mmap2")) {
            target = "mmap";
        } else if (name.endsWith("32") && x64.number(name) < 0 && x64.number(name.substring(0, name.length() - 2)) >= 0) {
            target = name.substring(0, name.length() - 2); // setuid32 -> setuid, chown32 -> chown ...
        } else if (UID16_CALLS.contains(name)) {
            flags = UID16;
        }
        int nr = x64.number(target);
        return nr < 0 || nr + 1 > NR_MASK ? 0 : (nr + 1) | flags;
    }

    /** The x86_64 number an ia32 number is reported as, -1 when none (socketcall: -1, it depends on the call). */
    public int x64Number(int ia32) {
        int v = ia32 >= 0 && ia32 < SIZE ? entries[ia32] & 0xffff : 0;
        return (v & SOCKETCALL) != 0 || v == 0 ? -1 : (v & NR_MASK) - 1;
    }

    /** Whether the ia32 number is socketcall(2). */
    public boolean isSocketcall(int ia32) {
        return ia32 >= 0 && ia32 < SIZE && (entries[ia32] & SOCKETCALL) != 0;
    }

    /** The ia32 number of {@code name}, -1 when this build has no ia32 table or no such call. */
    public int ia32Number(String name) {
        for (Map.Entry<Integer, String> e : names.entrySet()) {
            if (e.getValue().equals(name)) {
                return e.getKey();
            }
        }
        return -1;
    }

    /** The kernel's {@code const volatile __u16 ia32_to_x64[512]}, little-endian. */
    public byte[] constBytes() {
        byte[] b = new byte[SIZE * 2];
        for (int i = 0; i < SIZE; i++) {
            b[2 * i] = (byte) entries[i];
            b[2 * i + 1] = (byte) (entries[i] >> 8);
        }
        return b;
    }
}
