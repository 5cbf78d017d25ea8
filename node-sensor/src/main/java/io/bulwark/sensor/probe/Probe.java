package io.bulwark.sensor.probe;

import io.bulwark.sensor.event.SyscallTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.jboss.logging.Logger;

/**
 * The kernel side of the sensor as one unit: the BPF object configured and loaded, its
 * programs attached, its ring buffer polled. Close it to detach and unload everything.
 */
public final class Probe implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Probe.class);
    static final String OBJECT = "bulwark.bpf.o";
    /** Sizes the BPF side declares (checked by BpfLayoutTest): sc_mode's entries, path_prefixes' and path_names' keys,
     * the words of sc_gate and of name_bloom. */
    static final int MAX_NR = 512, PATH_KEY = 256, NAME_KEY = 32, GATE_WORDS = 8, NAME_BLOOM_WORDS = 8;

    /** Which signals each program carries, for the "what am I blind to" report. */
    public static final Map<String, String> PROGRAM_SIGNALS = Map.of(
            "bw_sys_enter", "every watched syscall (setns, unshare, mount, open…, ptrace, bpf, module loading …)",
            "bw_sys_exit", "syscall results (without it no syscall event is sent)",
            "bw_exec", "process execution (process table, drift and fileless exec)",
            "bw_fork", "process creation (process table)",
            "bw_exit", "process exit (process table)",
            "bw_cgroup_mkdir", "live container discovery",
            "bw_io_uring", "the io_uring door (opens and connects submitted through io_uring)",
            "bw_io_uring_done", "io_uring write opens checked at completion (another mount namespace's file, a kernel interface under another name)");

    /** Settings for the kernel side. */
    /**
     * @param ringBytes   size of the event ring buffer (a power of two, at least 64 KiB); it is the
     *                    only buffer between the kernel and the decoder, and it is mapped twice into
     *                    the sensor, so it counts twice in the sensor's RSS
     * @param decoderNice nice value of the thread that drains the ring buffer (-20…19; the default
     *                    -10 keeps a flood of syscalls from the watched workloads from starving it)
     */
    /**
     * @param pinDir where in bpffs the ring buffer and the programs' links are pinned (null: nothing
     *               pinned, the programs and the ring go with this process); see {@link Pins}
     */
    public record Settings(long wakeBytes, long wakeNs, int rateLimit, Map<String, Integer> extraPrefixes, int decoderNice, int ringBytes,
                           Path pinDir) {
        public Settings {
            if (ringBytes < 65536 || Integer.bitCount(ringBytes) != 1) {
                throw new IllegalArgumentException("ring buffer size must be a power of two of at least 64 KiB: " + ringBytes);
            }
        }

        public static Settings defaults() {
            return new Settings(256 * 1024, 1_000_000, 0, Map.of(), -10, 4 << 20, null);
        }

        /** At most {@code perSecond} events a second from any one cgroup (0 = no limit); the rest are counted in rate_limited. */
        public Settings withRateLimit(int perSecond) {
            return new Settings(wakeBytes, wakeNs, perSecond, extraPrefixes, decoderNice, ringBytes, pinDir);
        }

        public Settings withDecoderNice(int nice) {
            return new Settings(wakeBytes, wakeNs, rateLimit, extraPrefixes, nice, ringBytes, pinDir);
        }

        public Settings withRingBytes(int bytes) {
            return new Settings(wakeBytes, wakeNs, rateLimit, extraPrefixes, decoderNice, bytes, pinDir);
        }

        public Settings withPinDir(Path dir) {
            return new Settings(wakeBytes, wakeNs, rateLimit, extraPrefixes, decoderNice, ringBytes, dir);
        }
    }

    private final BpfObject object;
    private final RingBuffer ring;
    private final Map<String, String> failed;
    private final LibBpf.PrintFn printFn;
    private final Path extracted;
    private Pins pins;

    private Probe(BpfObject object, RingBuffer ring, Map<String, String> failed, LibBpf.PrintFn printFn, Path extracted) {
        this.object = object;
        this.ring = ring;
        this.failed = failed;
        this.printFn = printFn;
        this.extracted = extracted;
    }

    /**
     * Checks that this node can run the probe. Throws {@link EnvironmentException} with the fix
     * for the first problem (libbpf, root, BTF); mounts tracefs itself where it can. See {@link Environment}.
     */
    public static void checkEnvironment() {
        Native n = Native.get();
        if (n.libc.geteuid() != 0) {
            throw new EnvironmentException("the sensor must run as root (it loads BPF programs): run it with sudo, or as a privileged DaemonSet");
        }
        Environment.checkBtf(Environment.btfPath());
        Environment.ensureTracefs();
    }

    /** Loads and attaches the sensor's programs. */
    public static Probe start(Settings settings) {
        return start(settings, () -> { });
    }

    /**
     * Loads the sensor's programs, runs {@code beforeAttach} (the JIT warm-up: the kernel's BTF,
     * parsed for the load, is handed back first, so the two peaks of native memory do not add
     * up), then attaches them.
     */
    public static Probe start(Settings settings, Runnable beforeAttach) {
        checkEnvironment();
        Native n = Native.get();
        LibBpf.PrintFn print = (level, fmt, va) -> {
            try {
                Pointer buf = Memory.allocateDirect(n.runtime, 1024);
                int len = n.libc.vsnprintf(buf, 1024, fmt, va);
                String msg = buf.getString(0, Math.max(0, Math.min(len, 1023)), StandardCharsets.UTF_8).stripTrailing();
                if (level == 0) {
                    LOG.warn("libbpf: " + msg);
                } else {
                    LOG.debug("libbpf: " + msg);
                }
            } catch (Throwable t) {
                // never throw into native code
            }
            return 0;
        };
        n.bpf.libbpf_set_print(print);
        Path file = locateObject();
        BpfObject obj = BpfObject.open(file);
        try {
            obj.setConstU32("self_tgid", ProcessHandle.current().pid());
            obj.setConstU32("host_mnt_ns", nsInode("mnt"));
            obj.setConstU32("host_pid_ns", nsInode("pid"));
            obj.setConstU64("wake_bytes", settings.wakeBytes());
            obj.setConstU64("wake_ns", settings.wakeNs());
            obj.setConstU32("rate_limit", settings.rateLimit());
            byte[] modes = syscallModes();
            obj.setConst("sc_mode", modes);
            obj.setConst("sc_gate", syscallGate(modes)); // the raw programs' first test: watched numbers only
            obj.setConst("name_bloom", nameBloom(Watchlist.defaultNames().keySet())); // before path_names lookups
            obj.setMapMaxEntries("events", settings.ringBytes());
            obj.setConst("ia32_to_x64", Ia32Table.get().constBytes()); // the 32-bit door, translated to x86_64 numbers
            Pins pins = settings.pinDir() == null ? null : Pins.prepare(settings.pinDir(), obj, settings.ringBytes());
            obj.load();
            for (Map.Entry<String, Integer> e : Watchlist.defaultPrefixes().entrySet()) {
                putPrefix(obj, e.getKey(), e.getValue());
            }
            for (Map.Entry<String, Integer> e : settings.extraPrefixes().entrySet()) {
                putPrefix(obj, e.getKey(), e.getValue());
            }
            for (Map.Entry<String, Integer> e : Watchlist.defaultNames().entrySet()) {
                byte[] key = new byte[NAME_KEY];
                byte[] s = e.getKey().getBytes(StandardCharsets.UTF_8);
                System.arraycopy(s, 0, key, 0, Math.min(NAME_KEY - 1, s.length)); // longer names: nameBloom refused them
                obj.update("path_names", key, u32(e.getValue()));
            }
            for (int port : Watchlist.PORTS) {
                obj.update("ports", ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) port).array(), new byte[] {1});
            }
            RingBuffer ring = new RingBuffer(obj, "events");
            Map<String, String> failed;
            try {
                releaseFreedNativeMemory();
                beforeAttach.run();
                failed = obj.attachAll();
            } catch (RuntimeException e) {
                ring.close();
                throw e;
            }
            for (Map.Entry<String, String> f : failed.entrySet()) {
                LOG.warnf("program %s could not attach (%s): the sensor is blind to %s", f.getKey(), f.getValue(),
                        PROGRAM_SIGNALS.getOrDefault(f.getKey(), "its signals"));
            }
            if (obj.attached().isEmpty()) {
                ring.close();
                throw new BpfException("attach", 2, file.toString(), "no program could attach: " + failed);
            }
            releaseFreedNativeMemory();
            Probe probe = new Probe(obj, ring, failed, print, file);
            if (pins != null) {
                pins.attached(obj); // ours pinned, an earlier sensor's programs detached
                probe.pins = pins;
            }
            return probe;
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    private static void putPrefix(BpfObject obj, String prefix, int flags) {
        byte[] s = prefix.getBytes(StandardCharsets.UTF_8);
        if (s.length > PATH_KEY - 1) {
            throw new IllegalArgumentException("path prefix longer than " + (PATH_KEY - 1) + " bytes: " + prefix);
        }
        byte[] key = new byte[4 + PATH_KEY];
        ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).putInt(s.length * 8);
        System.arraycopy(s, 0, key, 4, s.length);
        obj.update("path_prefixes", key, u32(flags));
    }

    /** Adds a path prefix at run time (a container's hostPath mount point). */
    public void addPathPrefix(String prefix, int flags) {
        putPrefix(object, prefix, flags);
    }

    /** Marks a cgroup as a container's, so its tasks stay "contained" even after joining host namespaces. */
    public void addContainerCgroup(long cgroupId) {
        object.update("container_cgroups", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(cgroupId).array(), new byte[] {1});
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    /** sc_gate (bulwark_events.h): bit nr set when sc_mode[nr] is watched as an x86_64 or as an ia32 number. */
    static byte[] syscallGate(byte[] modes) {
        long[] words = new long[GATE_WORDS];
        for (int nr = 0; nr < modes.length && nr < GATE_WORDS * 64; nr++) {
            if ((modes[nr] & (Watchlist.ON | Watchlist.IA32)) != 0) {
                words[nr >>> 6] |= 1L << (nr & 63);
            }
        }
        return littleEndian(words);
    }

    /** name_bloom (bulwark_events.h): the BW_NAME_HASH bit of every path_names key. */
    static byte[] nameBloom(Iterable<String> names) {
        long[] words = new long[NAME_BLOOM_WORDS];
        for (String n : names) {
            byte[] s = n.getBytes(StandardCharsets.UTF_8);
            if (s.length == 0 || s.length > NAME_KEY - 1) {
                throw new IllegalArgumentException("watched name must have 1 to " + (NAME_KEY - 1) + " bytes: '" + n + "'");
            }
            int h = nameHash(s.length, s[0] & 0xff, s[s.length - 1] & 0xff);
            words[h >>> 6] |= 1L << (h & 63);
        }
        return littleEndian(words);
    }

    /** BW_NAME_HASH of bulwark_events.h: a last component's length and its first and last bytes (unsigned). */
    static int nameHash(int len, int first, int last) {
        return ((len * 31) ^ (first * 7) ^ (last * 131)) & 511;
    }

    private static byte[] littleEndian(long[] words) {
        ByteBuffer b = ByteBuffer.allocate(words.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long w : words) {
            b.putLong(w);
        }
        return b.array();
    }

    static byte[] syscallModes() {
        byte[] modes = new byte[MAX_NR];
        SyscallTable t = SyscallTable.get();
        for (String s : Watchlist.EVERYWHERE) {
            int nr = t.number(s);
            if (nr >= 0 && nr < MAX_NR) {
                modes[nr] = (byte) Watchlist.ON;
            }
        }
        for (String s : Watchlist.CONTAINER_ONLY) {
            int nr = t.number(s);
            if (nr >= 0 && nr < MAX_NR) {
                modes[nr] = (byte) (Watchlist.ON | Watchlist.CONTAINER);
            }
        }
        // ia32 numbers of watched 32-bit syscalls (the only numbers the kernel checks TS_COMPAT on)
        Ia32Table ia32 = Ia32Table.get();
        int socket = t.number("socket"), connect = t.number("connect");
        for (int i = 0; i < Ia32Table.SIZE && i < modes.length; i++) {
            int x = ia32.x64Number(i);
            boolean watched = x >= 0 && x < modes.length ? (modes[x] & Watchlist.ON) != 0
                    : ia32.isSocketcall(i) && ((modes[socket] & Watchlist.ON) != 0 || (modes[connect] & Watchlist.ON) != 0);
            if (watched) {
                modes[i] |= (byte) Watchlist.IA32;
            }
        }
        return modes;
    }

    /** Inode number of one of this process's namespaces (the sensor runs on the host). */
    public static long nsInode(String type) {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/" + type)).toString();
            return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            throw new EnvironmentException("cannot read /proc/self/ns/" + type + ": " + e.getMessage() + " (is /proc mounted?)");
        }
    }

    /** The BPF object: from -Dbulwark.bpfDir, else extracted from the jar into a private temp file. */
    static Path locateObject() {
        return locateObject(OBJECT);
    }

    /** A BPF object shipped in the jar ({@code bpf/NAME}), or the one in -Dbulwark.bpfDir when set. */
    static Path locateObject(String object) {
        String dir = System.getProperty("bulwark.bpfDir");
        if (dir != null && Files.isReadable(Path.of(dir, object))) {
            return Path.of(dir, object);
        }
        try (InputStream in = Probe.class.getResourceAsStream("/bpf/" + object)) {
            if (in == null) {
                throw new EnvironmentException("bpf/" + object + " is not in the jar: rebuild with ./bulwark setup (needs clang and bpftool)");
            }
            Path tmp = Files.createTempFile("bulwark-" + object.replace(".bpf.o", "") + "-", ".bpf.o");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        } catch (IOException e) {
            throw new EnvironmentException("cannot extract the BPF object " + object + ": " + e.getMessage());
        }
    }

    /**
     * Sets the calling thread's nice value (Linux: setpriority on the thread id). Returns the errno,
     * 0 on success.
     */
    public static int setCurrentThreadNice(int nice) {
        Native n = Native.get();
        int tid = (int) n.libc.syscall(Native.syscallNumber("gettid"), 0, 0, 0, 0, 0, 0);
        return n.libc.setpriority(0 /* PRIO_PROCESS */, tid, nice) == 0 ? 0 : n.errno();
    }

    /**
     * Gives memory that native code has freed back to the kernel (glibc keeps freed heap in its
     * arenas; libbpf's parse of the kernel BTF and jnr's temporary buffers would otherwise stay
     * resident). Cheap; call it after loading objects or after a burst of native work.
     */
    public static void releaseFreedNativeMemory() {
        try {
            Native.get().libc.malloc_trim(0);
        } catch (RuntimeException | LinkageError e) {
            // not glibc: nothing to do
        }
    }

    /** Offset from CLOCK_BOOTTIME (what the kernel stamps) to Unix-epoch nanoseconds. */
    public static long bootToWallNs() {
        Native n = Native.get();
        Pointer ts = Memory.allocateDirect(n.runtime, 16);
        n.libc.clock_gettime(7 /* CLOCK_BOOTTIME */, ts);
        long boot = ts.getLong(0) * 1_000_000_000L + ts.getLong(8);
        n.libc.clock_gettime(0 /* CLOCK_REALTIME */, ts);
        long wall = ts.getLong(0) * 1_000_000_000L + ts.getLong(8);
        return wall - boot;
    }

    /** The event ring buffer, read in place; one thread consumes it (the sensor's decoder). */
    public RingBuffer ring() {
        return ring;
    }

    public List<String> attached() {
        return object.attached();
    }

    public Map<String, String> failedPrograms() {
        return failed;
    }

    /** Every loss and throughput counter, kernel and user side. */
    public Map<String, Long> counters() {
        long[] k = object.sumPerCpuU64("counters", Counters.values().length);
        Map<String, Long> m = new LinkedHashMap<>();
        for (Counters c : Counters.values()) {
            m.put(c.reportName(), k[c.index()]);
        }
        m.put("received", ring.received());
        m.put("received_bytes", ring.receivedBytes());
        m.put("record_errors", ring.recordErrors());
        return m;
    }

    /** Per-CPU ring buffer drops, for reports. */
    public Map<Integer, Long> dropsPerCpu() {
        // Sum is what counters() reports; the per-CPU split is read on demand.
        Map<Integer, Long> out = new TreeMap<>();
        int fd = object.mapFd("counters");
        Native n = Native.get();
        int cpus = n.bpf.libbpf_num_possible_cpus();
        Pointer key = Memory.allocateDirect(n.runtime, 4);
        Pointer val = Memory.allocateDirect(n.runtime, 8L * cpus);
        key.putInt(0, Counters.RB_FULL.index());
        if (n.bpf.bpf_map_lookup_elem(fd, key, val) == 0) {
            for (int c = 0; c < cpus; c++) {
                out.put(c, val.getLong(8L * c));
            }
        }
        return out;
    }

    /** Unmaps the ring buffer, detaches and unloads everything. The consumer must have stopped. */
    @Override
    public void close() {
        close(false);
    }

    /** The pins this probe made or adopted, or null. */
    public Pins pins() {
        return pins;
    }

    /**
     * Stops: the ring unmapped, the links destroyed, the object closed. With {@code keepPins} the
     * pinned links and ring stay in bpffs, so the programs keep filling the ring until the next
     * sensor adopts it (an upgrade); otherwise the pins are removed and nothing is left behind.
     */
    public void close(boolean keepPins) {
        if (pins != null && !keepPins) {
            pins.remove();
        }
        try {
            ring.close();
        } finally {
            object.close();
            Native.get().bpf.libbpf_set_print(null);
            if (extracted != null && !extracted.toString().contains(System.getProperty("bulwark.bpfDir", "\0"))) {
                try {
                    Files.deleteIfExists(extracted);
                } catch (IOException ignored) {
                    // a temp file; deleteOnExit is the backstop
                }
            }
        }
    }

    List<Object> keepAlive() {
        return new ArrayList<>(List.of(printFn));
    }
}
