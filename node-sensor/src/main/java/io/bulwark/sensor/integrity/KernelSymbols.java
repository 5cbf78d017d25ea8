package io.bulwark.sensor.integrity;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * /proc/kallsyms as a sorted table: name to address, and address to the symbol that contains it.
 * Module symbols carry their {@code [module]}; BPF programs and trampolines appear too
 * ({@code bpf_prog_<tag>_<name>}, {@code bpf_trampoline_<key>}) when
 * {@code net.core.bpf_jit_kallsyms} is 1, which names the code an entry hook jumps to.
 */
public final class KernelSymbols {
    /** A symbol: its address, type letter, name, and the address of the next symbol (its end at most). */
    public record Symbol(long addr, char type, String name, long end, String module) {
        public long size() {
            return end - addr;
        }
    }

    // Compact: ~120k symbols in parallel arrays (the sensor runs with a 40 MiB heap).
    private final long[] addrs;
    private final byte[] types;
    private final int[] nameOff;
    private final byte[] names;
    private final int[] byNameOrder;
    private final String[] modules;

    private KernelSymbols(long[] addrs, byte[] types, int[] nameOff, byte[] names, String[] modules) {
        this.addrs = addrs;
        this.types = types;
        this.nameOff = nameOff;
        this.names = names;
        this.modules = modules;
        this.byNameOrder = sortedIndex(addrs.length, (x, y) -> {
            int c = compareName(x, y);
            return c != 0 ? c : Integer.compare(x, y);
        });
    }

    /** Compares two indexes. */
    @FunctionalInterface
    interface IndexOrder {
        int compare(int x, int y);
    }

    /**
     * The indexes 0..n-1 in {@code order} (a stable merge sort on primitive ints: no boxed
     * Integer per symbol, so the load fits the sensor's small heap even with modules loaded).
     */
    static int[] sortedIndex(int n, IndexOrder order) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        int[] b = new int[n];
        for (int width = 1; width < n; width <<= 1) {
            for (int lo = 0; lo < n; lo += width << 1) {
                int mid = Math.min(lo + width, n);
                int hi = Math.min(lo + (width << 1), n);
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    b[k++] = order.compare(a[i], a[j]) <= 0 ? a[i++] : a[j++];
                }
                while (i < mid) {
                    b[k++] = a[i++];
                }
                while (j < hi) {
                    b[k++] = a[j++];
                }
            }
            int[] t = a;
            a = b;
            b = t;
        }
        return a;
    }

    private int nameLen(int i) {
        return nameOff[i + 1] - nameOff[i];
    }

    private String name(int i) {
        return new String(names, nameOff[i], nameLen(i), StandardCharsets.ISO_8859_1);
    }

    private int compareName(int x, int y) {
        return Arrays.compare(names, nameOff[x], nameOff[x + 1], names, nameOff[y], nameOff[y + 1]);
    }

    /** Reads /proc/kallsyms. Fails when the kernel hides the addresses (kptr_restrict). */
    public static KernelSymbols load() throws IOException {
        return load(Path.of("/proc/kallsyms"));
    }

    static KernelSymbols load(Path file) throws IOException {
        Parser p = new Parser();
        // bytes, not lines: no String per line or field (≈120k lines), and small code to compile
        // (the readLine/substring/parseUnsignedLong version took C2 12 MB of memory per compilation)
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            byte[] line = new byte[4096];
            int len = 0;
            int got;
            while ((got = in.read(buf)) > 0) {
                for (int i = 0; i < got; i++) {
                    byte b = buf[i];
                    if (b == '\n') {
                        p.line(line, len);
                        len = 0;
                    } else {
                        if (len == line.length) {
                            line = Arrays.copyOf(line, len * 2);
                        }
                        line[len++] = b;
                    }
                }
            }
            p.line(line, len);
        }
        long[] a = p.a;
        byte[] t = p.t;
        byte[] nm = p.nm;
        int nmLen = p.nmLen;
        int[] off = p.off;
        Map<Integer, String> mods = p.mods;
        int n = p.n;
        boolean allZero = p.allZero;
        if (n == 0 || allZero) {
            throw new IOException(file + " shows no addresses (kernel.kptr_restrict hides them, or not root): "
                    + "the kernel integrity checks need real addresses (run as root; kptr_restrict 0 or 1)");
        }
        off[n] = nmLen;
        // kallsyms is not sorted by address (modules, BPF, sections): sort an index.
        final long[] fa = a;
        int[] order = sortedIndex(n, (x, y) -> Long.compareUnsigned(fa[x], fa[y]));
        long[] sa = new long[n];
        byte[] st = new byte[n];
        int[] so = new int[n + 1];
        byte[] sn = new byte[nmLen];
        int snLen = 0;
        String[] smods = new String[n];
        for (int k = 0; k < n; k++) {
            int i = order[k];
            sa[k] = a[i];
            st[k] = t[i];
            so[k] = snLen;
            int len = off[i + 1] - off[i];
            System.arraycopy(nm, off[i], sn, snLen, len);
            snLen += len;
            smods[k] = mods.get(i);
        }
        so[n] = snLen;
        return new KernelSymbols(sa, st, so, sn, smods);
    }

    /** The kallsyms parser's state: one line at a time, "ADDRESS TYPE NAME[\t[MODULE]]". */
    private static final class Parser {
        long[] a = new long[160_000];
        byte[] t = new byte[a.length];
        byte[] nm = new byte[1 << 20];
        int nmLen;
        int[] off = new int[a.length + 1];
        final Map<Integer, String> mods = new HashMap<>();
        int n;
        boolean allZero = true;

        void line(byte[] l, int len) {
            int s1 = 0;
            long addr = 0;
            while (s1 < len && l[s1] != ' ') {
                int d = Character.digit(l[s1], 16);
                if (d < 0) {
                    return;
                }
                addr = (addr << 4) | d;
                s1++;
            }
            int s2 = s1 + 2;
            if (s1 == 0 || s2 >= len || l[s2] != ' ') {
                return;
            }
            int nameStart = s2 + 1;
            int nameEnd = nameStart;
            while (nameEnd < len && l[nameEnd] != '\t') {
                nameEnd++;
            }
            if (nameEnd == nameStart) {
                return;
            }
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
                t = Arrays.copyOf(t, n * 2);
                off = Arrays.copyOf(off, n * 2 + 1);
            }
            a[n] = addr;
            allZero &= addr == 0;
            t[n] = l[s1 + 1];
            if (nameEnd < len) {
                mods.put(n, new String(l, nameEnd + 1, len - nameEnd - 1, StandardCharsets.ISO_8859_1).trim());
            }
            int nameLen = nameEnd - nameStart;
            off[n] = nmLen;
            if (nmLen + nameLen > nm.length) {
                nm = Arrays.copyOf(nm, Math.max(nm.length * 2, nmLen + nameLen));
            }
            System.arraycopy(l, nameStart, nm, nmLen, nameLen);
            nmLen += nameLen;
            n++;
        }
    }

    private Symbol symbol(int i) {
        long end = addrs[i];
        for (int j = i + 1; j < addrs.length; j++) {
            if (Long.compareUnsigned(addrs[j], addrs[i]) > 0) {
                end = addrs[j];
                break;
            }
        }
        return new Symbol(addrs[i], (char) types[i], name(i), end, modules[i]);
    }

    private int indexOf(String name) {
        byte[] key = name.getBytes(StandardCharsets.ISO_8859_1);
        int lo = 0;
        int hi = byNameOrder.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int i = byNameOrder[mid];
            int c = Arrays.compare(names, nameOff[i], nameOff[i + 1], key, 0, key.length);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                // the first of equal names (several static functions share a name)
                while (mid > 0 && Arrays.compare(names, nameOff[byNameOrder[mid - 1]], nameOff[byNameOrder[mid - 1] + 1], key, 0, key.length) == 0) {
                    mid--;
                }
                return byNameOrder[mid];
            }
        }
        return -1;
    }

    /** Names matching {@code prefix}, in name order. */
    public List<Symbol> withPrefix(String prefix) {
        byte[] key = prefix.getBytes(StandardCharsets.ISO_8859_1);
        int lo = 0;
        int hi = byNameOrder.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int i = byNameOrder[mid];
            if (Arrays.compare(names, nameOff[i], nameOff[i + 1], key, 0, key.length) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        List<Symbol> out = new ArrayList<>();
        for (int k = lo; k < byNameOrder.length; k++) {
            int i = byNameOrder[k];
            if (nameLen(i) < key.length || !Arrays.equals(names, nameOff[i], nameOff[i] + key.length, key, 0, key.length)) {
                break;
            }
            out.add(symbol(i));
        }
        return out;
    }

    public Symbol byName(String name) {
        int i = indexOf(name);
        return i < 0 ? null : symbol(i);
    }

    public long addr(String name) {
        int i = indexOf(name);
        return i < 0 ? 0 : addrs[i];
    }

    /** The symbol whose range contains {@code a} (the last symbol at or below it), or null. */
    public Symbol containing(long a) {
        int lo = 0;
        int hi = addrs.length - 1;
        int best = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(addrs[mid], a) <= 0) {
                best = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (best < 0) {
            return null;
        }
        // Several names can share an address (aliases): prefer one that is not a __pfx_ padding label.
        int pick = best;
        for (int i = best; i >= 0 && addrs[i] == addrs[best]; i--) {
            if (!name(i).startsWith("__pfx_")) {
                pick = i;
                break;
            }
        }
        return symbol(pick);
    }

    /** {@code name+0x12}, or the hex address when no symbol contains it. */
    public String describe(long a) {
        Symbol s = containing(a);
        if (s == null || (s.end() != s.addr() && Long.compareUnsigned(a, s.end()) >= 0)) {
            return "0x" + Long.toHexString(a);
        }
        long off = a - s.addr();
        return s.name() + (off == 0 ? "" : "+0x" + Long.toHexString(off)) + (s.module() == null ? "" : " " + s.module());
    }

    /** True when {@code a} is inside the kernel image's text ([_stext, _etext)). */
    public boolean inKernelText(long a) {
        long lo = addr("_stext");
        long hi = addr("_etext");
        return lo != 0 && hi != 0 && Long.compareUnsigned(a, lo) >= 0 && Long.compareUnsigned(a, hi) < 0;
    }

    public int size() {
        return addrs.length;
    }
}
