package io.bulwark.sensor.integrity;

import io.bulwark.sensor.probe.KernelReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kernel text integrity of the syscall dispatch path and the functions rootkits hook.
 *
 * <ul>
 * <li>Whole functions (the dispatchers {@code x64_sys_call}/{@code ia32_sys_call}, the syscall
 * entry {@code entry_SYSCALL_64}…{@code entry_SYSRETQ_end}, {@code do_syscall_64}, and the
 * readdir/lookup/seq_show functions used to hide processes, files and connections, plus every
 * function a checked pointer table points to) are copied and compared with the baseline byte for
 * byte. A difference at a jump-label or static-call site is accepted when the site holds one of
 * its legal states (a NOP, or a jump/call to the declared target); anything else is an alert.</li>
 * <li>The entry of every syscall handler ({@code __x64_sys_*}, {@code __ia32_sys_*}) and of the
 * functions above must be the ftrace site as the kernel leaves it: {@code [endbr64] nop5}
 * ({@code 0f 1f 44 00 00}). A {@code call}/{@code jmp}/{@code int3} there is a hook (ftrace,
 * a BPF trampoline, an inline hook or a kprobe), named with its target. This part needs no
 * baseline, so a hook installed before the sensor started is found too.</li>
 * </ul>
 */
final class TextCheck {
    static final String CHECK = "text";
    static final int ENTRY_BYTES = 16;
    static final int MAX_FUNCTION = 32 * 1024;
    static final byte[] NOP5 = {0x0f, 0x1f, 0x44, 0x00, 0x00};
    static final byte[] ENDBR64 = {(byte) 0xf3, 0x0f, 0x1e, (byte) 0xfa};

    /** Functions read whole: the dispatch path, and the usual targets of hiding hooks. */
    static final List<String> WHOLE = List.of(
            "x64_sys_call", "ia32_sys_call", "x32_sys_call", "do_syscall_64",
            "__x64_sys_getdents64", "__x64_sys_getdents", "filldir64", "filldir", "iterate_dir",
            "proc_root_readdir", "proc_root_lookup", "proc_pid_readdir", "proc_pid_lookup",
            "proc_tgid_base_readdir", "proc_tgid_base_lookup",
            "tcp4_seq_show", "tcp6_seq_show", "udp4_seq_show", "udp6_seq_show", "packet_seq_show",
            "__x64_sys_kill", "__x64_sys_bpf", "__x64_sys_openat", "__x64_sys_execve", "__x64_sys_ptrace",
            "do_sys_openat2", "vfs_read", "vfs_write");
    /** Functions without an ftrace site at entry (assembly, notrace): compared with the baseline only. */
    static final Set<String> NO_FENTRY = Set.of("x64_sys_call", "ia32_sys_call", "x32_sys_call", "do_syscall_64", "entry_SYSCALL_64");

    /** One text range: a whole function or its entry. */
    record Region(String name, long addr, int len, boolean entryCheck) {}

    private KernelSymbols syms;
    private final Map<String, byte[]> baseline = new LinkedHashMap<>();
    private final Map<String, Region> baselineRegions = new LinkedHashMap<>();
    /** Jump-label sites: address → declared jump target. Static-call sites: address → 0. */
    private final Map<Long, Long> sites = new HashMap<>();
    private boolean sitesRead;
    private boolean fentryKernel = true;

    TextCheck(KernelSymbols syms) {
        this.syms = syms;
    }

    /** The symbol table of this run (BPF trampolines come and go; kernel text symbols do not). */
    void symbols(KernelSymbols s) {
        this.syms = s;
    }

    List<Region> regions(KernelSymbols s, Set<String> extraFunctions) {
        List<Region> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        KernelSymbols.Symbol entry = s.byName("entry_SYSCALL_64");
        if (entry != null) {
            long end = s.addr("entry_SYSRETQ_end");
            int len = end > entry.addr() && end - entry.addr() < MAX_FUNCTION ? (int) (end - entry.addr()) : (int) Math.min(entry.size(), MAX_FUNCTION);
            out.add(new Region("entry_SYSCALL_64", entry.addr(), len, false));
            seen.add("entry_SYSCALL_64");
        }
        List<String> whole = new ArrayList<>(WHOLE);
        whole.addAll(extraFunctions);
        for (String f : whole) {
            KernelSymbols.Symbol sym = s.byName(f);
            if (sym == null || !seen.add(f) || !s.inKernelText(sym.addr())) {
                continue;
            }
            int len = (int) Math.max(1, Math.min(sym.size(), MAX_FUNCTION));
            // Functions reached through pointers may be notrace: their entry is judged against the baseline only.
            out.add(new Region(f, sym.addr(), len, WHOLE.contains(f) && !NO_FENTRY.contains(f)));
        }
        for (String prefix : List.of("__x64_sys_", "__ia32_sys_", "__x32_compat_sys_")) {
            for (KernelSymbols.Symbol sym : s.withPrefix(prefix)) {
                if (sym.name().indexOf('.') >= 0 || !seen.add(sym.name()) || !s.inKernelText(sym.addr())) {
                    continue;
                }
                out.add(new Region(sym.name(), sym.addr(), ENTRY_BYTES, true));
            }
        }
        return out;
    }

    /** Reads every region; whole functions in 256-byte pieces. Returns bytes per region name (null when unreadable). */
    static Map<String, byte[]> read(KernelReader reader, List<Region> regions) {
        List<long[]> pieces = new ArrayList<>();
        for (int r = 0; r < regions.size(); r++) {
            Region g = regions.get(r);
            for (int off = 0; off < g.len(); off += KernelReader.CHUNK) {
                pieces.add(new long[] {g.addr() + off, Math.min(KernelReader.CHUNK, g.len() - off), r, off});
            }
        }
        long[] addrs = new long[pieces.size()];
        int[] lens = new int[pieces.size()];
        for (int i = 0; i < addrs.length; i++) {
            addrs[i] = pieces.get(i)[0];
            lens[i] = (int) pieces.get(i)[1];
        }
        List<KernelReader.Text> got = reader.readText(addrs, lens);
        byte[][] out = new byte[regions.size()][];
        boolean[] bad = new boolean[regions.size()];
        for (int i = 0; i < got.size(); i++) {
            int r = (int) pieces.get(i)[2];
            int off = (int) pieces.get(i)[3];
            if (got.get(i).bytes() == null) {
                bad[r] = true;
                continue;
            }
            if (out[r] == null) {
                out[r] = new byte[regions.get(r).len()];
            }
            System.arraycopy(got.get(i).bytes(), 0, out[r], off, got.get(i).bytes().length);
        }
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int r = 0; r < regions.size(); r++) {
            m.put(regions.get(r).name(), bad[r] ? null : out[r]);
        }
        return m;
    }

    /** Jump-label and static-call sites inside the regions, from __jump_table / static_call_sites (read-only after boot). */
    private void readSites(KernelReader reader, List<Region> regions) {
        sitesRead = true;
        readTable(reader, regions, "__start___jump_table", "__stop___jump_table", 16, true);
        readTable(reader, regions, "__start_static_call_sites", "__stop_static_call_sites", 8, false);
    }

    private void readTable(KernelReader reader, List<Region> regions, String startSym, String stopSym, int entrySize, boolean jump) {
        long start = syms.addr(startSym);
        long stop = syms.addr(stopSym);
        if (start == 0 || stop <= start || stop - start > 4L << 20) {
            return;
        }
        byte[] table = read(reader, List.of(new Region(startSym, start, (int) (stop - start), false))).get(startSym);
        if (table == null) {
            return;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(table).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int off = 0; off + entrySize <= table.length; off += entrySize) {
            long code = start + off + b.getInt(off);
            long target = jump ? start + off + 4 + b.getInt(off + 4) : 0;
            for (Region g : regions) {
                if (code >= g.addr() && code < g.addr() + g.len()) {
                    sites.put(code, target);
                    break;
                }
            }
        }
    }

    /** Baseline: reads and keeps the bytes; returns the entry hooks already present. */
    List<Finding> baseline(KernelReader reader, Set<String> extraFunctions, Map<String, Object> stats) {
        List<Region> regions = regions(syms, extraFunctions);
        Map<String, byte[]> now = read(reader, regions);
        if (!sitesRead) {
            readSites(reader, regions);
        }
        calibrate(regions, now);
        for (Region g : regions) {
            byte[] b = now.get(g.name());
            if (b != null) {
                baseline.put(g.name(), b);
                baselineRegions.put(g.name(), g);
            }
        }
        return entryFindings(reader, regions, now, stats);
    }

    /** A kernel built without ftrace has no nop5 at function entry: then the entry pattern means nothing. */
    private void calibrate(List<Region> regions, Map<String, byte[]> now) {
        int entries = 0;
        int clean = 0;
        for (Region g : regions) {
            byte[] b = now.get(g.name());
            if (g.entryCheck() && b != null && g.name().startsWith("__x64_sys_")) {
                entries++;
                if (entryState(b, 0, g.addr()) == null) {
                    clean++;
                }
            }
        }
        fentryKernel = entries > 0 && clean * 10 >= entries * 9;
    }

    boolean fentryKernel() {
        return fentryKernel;
    }

    /** Compares with the baseline (regions of functions added since are baselined now). */
    List<Finding> check(KernelReader reader, Set<String> extraFunctions, Map<String, Object> stats) {
        List<Region> regions = regions(syms, extraFunctions);
        Map<String, byte[]> now = read(reader, regions);
        List<Finding> out = new ArrayList<>(entryFindings(reader, regions, now, stats));
        for (Region g : regions) {
            byte[] b = now.get(g.name());
            byte[] old = baseline.get(g.name());
            if (b == null) {
                continue;
            }
            if (old == null) {
                baseline.put(g.name(), b);
                baselineRegions.put(g.name(), g);
                continue;
            }
            Finding f = compare(g, old, b);
            if (f != null) {
                // text_poke passes through an int3 for a moment: believe a change only if it is still there
                byte[] again = read(reader, List.of(g)).get(g.name());
                if (again != null && compare(g, old, again) != null) {
                    out.add(compare(g, old, again));
                }
            }
        }
        return out;
    }

    /** A change of bytes between the baseline and now that no legal patch site explains, or null. */
    Finding compare(Region g, byte[] old, byte[] now) {
        if (java.util.Arrays.equals(old, now)) {
            return null;
        }
        int first = -1;
        int changed = 0;
        int n = Math.min(old.length, now.length);
        for (int i = 0; i < n; i++) {
            if (old[i] == now[i]) {
                continue;
            }
            long a = g.addr() + i;
            Long site = siteCovering(a);
            if (site != null && legalAtSite(site, now, (int) (site - g.addr()), g.addr())) {
                continue;
            }
            if (g.entryCheck() && fentryKernel && i < 9) {
                continue; // the entry is judged by entryFindings, with the hook's target named
            }
            changed++;
            if (first < 0) {
                first = i;
            }
        }
        if (changed == 0) {
            return null;
        }
        int from = Math.max(0, first - 4);
        int to = Math.min(n, first + 16);
        HexFormat hex = HexFormat.of();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("function", g.name());
        d.put("address", "0x" + Long.toHexString(g.addr()));
        d.put("first_change", g.name() + "+0x" + Integer.toHexString(first));
        d.put("bytes_changed", changed);
        d.put("baseline_bytes", hex.formatHex(old, from, to));
        d.put("current_bytes", hex.formatHex(now, from, to));
        d.put("bytes_offset", "+0x" + Integer.toHexString(from));
        d.put("decoded", decode(now, first, g.addr() + first));
        return IntegrityRules.finding(CHECK, IntegrityRules.TEXT_MODIFIED, g.name(),
                "Kernel code of " + g.name() + " changed since the sensor started: " + changed + " byte(s) from "
                        + g.name() + "+0x" + Integer.toHexString(first) + " (" + decode(now, first, g.addr() + first)
                        + "); no jump-label or static-call site explains it: inline hook or patched dispatcher",
                d, "text:" + g.name() + ":" + hex.formatHex(sha(now)));
    }

    private Long siteCovering(long a) {
        for (int k = 0; k < 5; k++) {
            if (sites.containsKey(a - k)) {
                return a - k;
            }
        }
        return null;
    }

    /** A jump-label site holds a NOP or a jump to its declared target; a static-call site a NOP or a call/jmp to a function start. */
    private boolean legalAtSite(long site, byte[] b, int off, long base) {
        if (off < 0 || off + 2 > b.length) {
            return false;
        }
        long target = sites.get(site);
        int op = b[off] & 0xff;
        if (startsWith(b, off, NOP5) || (op == 0x66 && (b[off + 1] & 0xff) == 0x90)) {
            return true;
        }
        if (op == 0xeb) {
            return target != 0 && site + 2 + b[off + 1] == target;
        }
        if ((op == 0xe9 || op == 0xe8) && off + 5 <= b.length) {
            long dest = site + 5 + java.nio.ByteBuffer.wrap(b, off + 1, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
            if (target != 0) {
                return op == 0xe9 && dest == target;
            }
            KernelSymbols.Symbol s = syms.containing(dest);
            return s != null && s.addr() == dest && syms.inKernelText(dest);
        }
        return false;
    }

    /** One hooked entry. {@code target} is the hook's destination, -1 when the bytes are not a call or jump. */
    record Hook(String function, long addr, String bytes, String decoded, long target) {}

    /** Hook owners not reported (patterns: exact, or a prefix ending in '*'); see {@link #allowOwners}. */
    private final Set<String> allowedOwners = new java.util.LinkedHashSet<>(defaultAllowed());

    /**
     * Owners always allowed: none but Bulwark's own programs ({@code bpf:bw_*}, which are tracepoint
     * programs and hook no entry; listed so a future fentry program of ours is not reported), and
     * whatever the node's configuration names: {@code BULWARK_INTEGRITY_ALLOW} or
     * {@code -Dbulwark.integrity.allow} (comma-separated owner patterns, e.g. {@code bpf:falco_*,ftrace:my_tracer}).
     */
    static Set<String> defaultAllowed() {
        Set<String> out = new java.util.LinkedHashSet<>(List.of("bpf:bw_*"));
        for (String src : new String[] {System.getenv("BULWARK_INTEGRITY_ALLOW"), System.getProperty("bulwark.integrity.allow")}) {
            if (src != null) {
                for (String p : src.split(",")) {
                    if (!p.isBlank()) {
                        out.add(p.strip());
                    }
                }
            }
        }
        return out;
    }

    /** Adds owner patterns whose entry hooks are known agents: counted in the stats, not reported. */
    void allowOwners(java.util.Collection<String> patterns) {
        allowedOwners.addAll(patterns);
    }

    /**
     * True when a pattern allows the owner. A BPF owner ({@code bpf:<name>#<id>}) is allowed by
     * its name as well ({@code bpf:<name>}, {@code bpf:<prefix>*}): ids change at every load.
     */
    boolean allowedOwner(String owner) {
        int hash = owner.startsWith("bpf:") ? owner.lastIndexOf('#') : -1;
        String byName = hash > 0 ? owner.substring(0, hash) : owner;
        for (String p : allowedOwners) {
            if (p.endsWith("*") ? owner.startsWith(p.substring(0, p.length() - 1)) : owner.equals(p) || byName.equals(p)) {
                return true;
            }
        }
        return false;
    }

    /** The destination of an entry's call or jump, or -1. */
    static long hookTarget(byte[] b, long addr) {
        int p = startsWith(b, 0, ENDBR64) ? 4 : 0;
        if (p + 5 <= b.length && ((b[p] & 0xff) == 0xe8 || (b[p] & 0xff) == 0xe9)) {
            return addr + p + 5 + rel32(b, p + 1);
        }
        return -1;
    }

    /**
     * Who put a hook there, as far as the kernel tells: ftrace's own table ({@code enabled_functions},
     * root-only and refused under some lockdowns), else the hook's destination: inside a BPF
     * program's JIT-compiled code ({@code bpf:<name>#<id>}, from the program inventory), or the
     * kallsyms symbol there: a BPF trampoline (the one fentry/fexit/LSM program attached through
     * it, {@code bpf:<name>#<id>}; with several, {@code bpf-trampoline:<key>}), a module
     * ({@code module:<name>}), ftrace's shared trampoline ({@code ftrace}); else {@code unknown}.
     * A destination merely near a BPF program's symbol is not that program: its code is known to
     * the byte, and when the inventory cannot be read the owner is named {@code bpf?:<name>}.
     */
    String ownerOf(String function, long dest, FtraceTable ftrace, BpfCode bpf) {
        String f = ftrace.owners().get(function);
        if (f != null) {
            return "ftrace:" + f;
        }
        if (dest == -1) { // kernel addresses are negative as longs: -1 is the "no target" mark
            return "unknown";
        }
        if (bpf != null) {
            io.bulwark.sensor.probe.BpfInventory.Program p = bpf.at(dest);
            if (p != null) {
                return "bpf:" + p.name() + "#" + p.id();
            }
        }
        KernelSymbols.Symbol s = syms.containing(dest);
        if (s != null && dest - s.addr() < 0x1000) {
            String n = s.name();
            if (n.startsWith("bpf_prog_")) {
                if (bpf != null && bpf.rangesKnown()) {
                    return "unknown"; // after a program's image, not in it
                }
                String rest = n.substring("bpf_prog_".length());
                int us = rest.indexOf('_');
                return "bpf?:" + (us >= 0 ? rest.substring(us + 1) : rest);
            }
            if (n.startsWith("bpf_trampoline_")) {
                List<io.bulwark.sensor.probe.BpfInventory.Program> via = bpf == null ? List.of() : bpf.throughTrampoline(n);
                if (via.size() == 1) { // one program behind the trampoline: that program is the owner
                    return "bpf:" + via.get(0).name() + "#" + via.get(0).id();
                }
                return "bpf-trampoline:" + n.substring("bpf_trampoline_".length());
            }
            if (n.equals("ftrace_trampoline") || n.startsWith("ftrace_")) {
                return "ftrace";
            }
            if (s.module() != null && !s.module().equals("bpf") && !s.module().startsWith("__builtin")) {
                return "module:" + s.module();
            }
        }
        return "unknown";
    }

    /** ftrace's table of hooked functions and their owners, when the kernel lets us read it. */
    record FtraceTable(Map<String, String> owners, String unreadable) {
        static FtraceTable read() {
            java.nio.file.Path p = java.nio.file.Path.of("/sys/kernel/tracing/enabled_functions");
            try {
                Map<String, String> owners = new java.util.HashMap<>();
                for (String line : java.nio.file.Files.readAllLines(p)) {
                    String t = line.strip();
                    int sp = t.indexOf(' ');
                    if (sp <= 0) {
                        continue;
                    }
                    String fn = t.substring(0, sp);
                    String owner = null;
                    int arrow = t.indexOf("->");
                    if (arrow >= 0) {
                        owner = t.substring(arrow + 2).strip().split("[+\\s]")[0];
                    }
                    int tramp = t.indexOf("tramp:");
                    if (tramp >= 0) {
                        int open = t.indexOf('(', tramp);
                        int close = open < 0 ? -1 : t.indexOf(')', open);
                        if (open >= 0 && close > open) {
                            String sym = t.substring(open + 1, close).split("[+\\s]")[0];
                            owner = owner == null ? sym : sym + "->" + owner;
                        }
                    }
                    owners.put(fn, owner == null ? "ftrace_ops" : owner);
                }
                return new FtraceTable(owners, null);
            } catch (java.io.IOException | RuntimeException e) {
                return new FtraceTable(Map.of(), p + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            }
        }
    }

    private Finding ownerFinding(String owner, List<Hook> hooks, FtraceTable ftrace, BpfCode bpf) {
        Map<String, Object> d = new LinkedHashMap<>();
        List<String> functions = hooks.stream().map(Hook::function).toList();
        d.put("owner", owner);
        List<io.bulwark.sensor.probe.BpfInventory.Program> behind = bpf == null ? List.of() : programsBehind(hooks.get(0).target(), bpf);
        io.bulwark.sensor.probe.BpfInventory.Program prog = owner.startsWith("bpf:") && behind.size() == 1 ? behind.get(0) : null;
        Map<String, Object> progDetails = prog == null ? null : bpf.describe(prog);
        if (progDetails != null) {
            d.putAll(progDetails);
        } else if (owner.startsWith("bpf-trampoline:") && !behind.isEmpty()) {
            d.put("programs", behind.stream().map(bpf::describe).toList());
        }
        d.put("functions", functions);
        d.put("count", hooks.size());
        d.put("targets", hooks.stream().map(h -> h.target() == -1 ? h.decoded() : "0x" + Long.toHexString(h.target())).distinct().limit(16).toList());
        d.put("first", Map.of("function", hooks.get(0).function(), "address", "0x" + Long.toHexString(hooks.get(0).addr()),
                "entry_bytes", hooks.get(0).bytes(), "decoded", hooks.get(0).decoded()));
        d.put("expected", "[endbr64] nop5 (0f1f440000): the ftrace site as the kernel leaves it");
        if (ftrace.unreadable() != null) {
            d.put("ftrace_table", "unreadable (" + ftrace.unreadable() + "): the owner is judged by the hook's destination only");
        }
        if (bpf != null && bpf.unreadable() != null) {
            d.put("bpf_programs", bpf.unreadable());
        }
        String who = switch (owner.contains(":") ? owner.substring(0, owner.indexOf(':')) : owner) {
            case "bpf" -> progDetails == null ? "BPF program " + owner.substring(4)
                    : "BPF program '" + prog.name() + "' (id " + prog.id() + ", " + progDetails.get("prog_type")
                            + ", attached: " + progDetails.get("attach_type") + "; held by " + String.join(", ", castList(progDetails.get("held_by"))) + ")";
            case "bpf?" -> "a BPF program whose kallsyms name is " + owner.substring(5) + " (the program inventory could not be read to confirm it)";
            case "bpf-trampoline" -> "a BPF trampoline (fentry/fexit/LSM program) " + owner.substring(15)
                    + (behind.isEmpty() ? "" : " calling " + String.join(", ", behind.stream().map(x -> "'" + x.name() + "' (id " + x.id() + ")").toList()));
            case "module" -> "kernel module " + owner.substring(7);
            case "ftrace" -> owner.equals("ftrace") ? "ftrace's trampoline (function tracer, kprobe on ftrace, livepatch, or a rootkit using ftrace)" : "ftrace ops " + owner.substring(7);
            default -> "code no kernel table names (no symbol at the hook targets"
                    + (ftrace.unreadable() != null ? ", ftrace's table unreadable" : "") + "): another tracer on the node, or a rootkit";
        };
        String list = String.join(", ", functions.subList(0, Math.min(8, functions.size()))) + (functions.size() > 8 ? ", …" : "");
        String key = "entry-owner:" + owner + ":" + HexFormat.of().formatHex(sha(String.join(",", new java.util.TreeSet<>(functions)).getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0, 8);
        return IntegrityRules.finding(CHECK, IntegrityRules.ENTRY_HOOK, owner,
                hooks.size() + " kernel function(s) hooked at their entry by " + who + ": " + list
                        + " (allow a known agent with BULWARK_INTEGRITY_ALLOW=" + owner + ")",
                d, key);
    }

    /**
     * One finding per owner of the hooked entries (an allowed owner's hooks are counted in
     * {@code stats.allowed_entry_hooks} instead). {@code bpf}: the programs' code, needed when a hook
     * jumps outside kernel text (null: not read).
     */
    List<Finding> ownerFindings(List<Hook> hooks, FtraceTable ftrace, BpfCode bpf, Map<String, Object> stats) {
        Map<String, List<Hook>> hooked = new LinkedHashMap<>();
        for (Hook h : hooks) {
            hooked.computeIfAbsent(ownerOf(h.function(), h.target(), ftrace, bpf), o -> new ArrayList<>()).add(h);
        }
        List<Finding> out = new ArrayList<>();
        Map<String, Integer> allowed = new java.util.TreeMap<>();
        for (Map.Entry<String, List<Hook>> e : hooked.entrySet()) {
            if (allowedOwner(e.getKey())) {
                allowed.put(e.getKey(), e.getValue().size());
                continue;
            }
            out.add(ownerFinding(e.getKey(), e.getValue(), ftrace, bpf));
        }
        if (!allowed.isEmpty()) {
            stats.put("allowed_entry_hooks", allowed);
        }
        return out;
    }

    private List<Finding> entryFindings(KernelReader reader, List<Region> regions, Map<String, byte[]> now, Map<String, Object> stats) {
        List<Hook> hooks = new ArrayList<>();
        FtraceTable ftrace = FtraceTable.read();
        int entries = 0;
        long bytes = 0;
        int functions = 0;
        for (Region g : regions) {
            byte[] b = now.get(g.name());
            if (b == null) {
                continue;
            }
            bytes += b.length;
            if (g.len() > ENTRY_BYTES) {
                functions++;
            }
            if (!g.entryCheck() || !fentryKernel) {
                continue;
            }
            entries++;
            String state = entryState(b, 0, g.addr());
            if (state == null) {
                continue;
            }
            byte[] again = read(reader, List.of(new Region(g.name(), g.addr(), ENTRY_BYTES, true))).get(g.name());
            if (again == null || entryState(again, 0, g.addr()) == null) {
                continue; // a text_poke in flight
            }
            state = entryState(again, 0, g.addr());
            long dest = hookTarget(again, g.addr());
            hooks.add(new Hook(g.name(), g.addr(), HexFormat.of().formatHex(again, 0, Math.min(16, again.length)), state, dest));
        }
        BpfCode bpf = hooks.stream().anyMatch(h -> h.target() != -1 && !syms.inKernelText(h.target())) ? BpfCode.read() : null;
        List<Finding> out = ownerFindings(hooks, ftrace, bpf, stats);
        stats.put("functions_whole", functions);
        stats.put("entries_checked", entries);
        stats.put("bytes_read", bytes);
        stats.put("patch_sites_known", sites.size());
        stats.put("ftrace_entry_pattern", fentryKernel);
        return out;
    }

    /** The BPF programs a hook destination leads to: the one whose code contains it, else those a trampoline there calls. */
    private List<io.bulwark.sensor.probe.BpfInventory.Program> programsBehind(long dest, BpfCode bpf) {
        io.bulwark.sensor.probe.BpfInventory.Program p = bpf.at(dest);
        if (p != null) {
            return List.of(p);
        }
        KernelSymbols.Symbol s = dest == -1 ? null : syms.containing(dest);
        return s != null && dest - s.addr() < 0x1000 ? bpf.throughTrampoline(s.name()) : List.of();
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object o) {
        return (List<String>) o;
    }

    /** Null when the entry is an untouched ftrace site, else what is there instead. */
    String entryState(byte[] b, int off, long addr) {
        int p = off;
        long a = addr;
        if (startsWith(b, p, ENDBR64)) {
            p += 4;
            a += 4;
        }
        if (startsWith(b, p, NOP5)) {
            return null;
        }
        if (p + 5 <= b.length && (b[p] & 0xff) == 0xe8) {
            long dest = a + 5 + rel32(b, p + 1);
            KernelSymbols.Symbol s = syms.containing(dest);
            if (s != null && s.addr() == dest && s.name().equals("__fentry__")) {
                return null; // static ftrace (no dynamic patching): the compiler's call is intact
            }
        }
        return decode(b, p, a);
    }

    /** A few x86 forms hooks use, decoded with their destination. */
    String decode(byte[] b, int p, long a) {
        if (p < 0 || p >= b.length) {
            return "?";
        }
        int op = b[p] & 0xff;
        if ((op == 0xe8 || op == 0xe9) && p + 5 <= b.length) {
            long dest = a + 5 + rel32(b, p + 1);
            return (op == 0xe8 ? "call " : "jmp ") + where(dest);
        }
        if (op == 0xeb && p + 2 <= b.length) {
            return "jmp short " + where(a + 2 + b[p + 1]);
        }
        if (op == 0xcc) {
            return "int3 (a breakpoint: kprobe, debugger, or a text_poke in progress)";
        }
        if (op == 0xff && p + 2 <= b.length && (b[p + 1] & 0xff) == 0x25) {
            return "jmp [rip+disp32] (indirect jump to code elsewhere)";
        }
        if ((op == 0x48 || op == 0x49) && p + 12 <= b.length && ((b[p + 1] & 0xff) & 0xf8) == 0xb8) {
            long imm = java.nio.ByteBuffer.wrap(b, p + 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            return "movabs " + where(imm) + " into a register (jmp/call/push-ret trampoline)";
        }
        if (op == 0x68 && p + 6 <= b.length && (b[p + 5] & 0xff) == 0xc3) {
            return "push imm32; ret (jump to " + where(rel32(b, p + 1) & 0xffffffffL | 0xffffffff00000000L) + ")";
        }
        return "unexpected instruction bytes " + HexFormat.of().formatHex(b, p, Math.min(b.length, p + 8));
    }

    private String where(long dest) {
        String d = syms.describe(dest);
        if (!syms.inKernelText(dest)) {
            KernelSymbols.Symbol s = syms.containing(dest);
            // a BPF program's symbol is not named here: the nearest one below need not contain the address (the owner, from the programs' code ranges, says whose it is)
            boolean named = s != null && dest - s.addr() < 0x100000 && !s.name().startsWith("bpf_prog_")
                    && (s.name().startsWith("bpf_") || s.module() != null);
            return "0x" + Long.toHexString(dest) + (named ? " (" + d + ")" : "") + " outside kernel text"
                    + (named && s.name().startsWith("bpf_trampoline") ? ": a BPF trampoline (fentry/fexit/LSM program)"
                    : ": ftrace trampoline, BPF or module code");
        }
        if (d.startsWith("ftrace_") ) {
            return d + " (ftrace: function tracer, kprobe on ftrace, or a livepatch/ftrace-based rootkit)";
        }
        return d;
    }

    private static int rel32(byte[] b, int p) {
        return java.nio.ByteBuffer.wrap(b, p, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static boolean startsWith(byte[] b, int off, byte[] prefix) {
        if (off + prefix.length > b.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[off + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] sha(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** For tests: replace the baseline bytes of one function (kernel text cannot be patched here). */
    void replaceBaseline(String function, byte[] bytes) {
        baseline.put(function, bytes);
    }

    byte[] baselineBytes(String function) {
        return baseline.get(function);
    }

    /** Jump-label (address → declared target) and static-call (address → 0) sites inside the checked regions. */
    Map<Long, Long> sites() {
        return sites;
    }

    Map<String, Region> baselineRegions() {
        return baselineRegions;
    }
}
