package io.bulwark.sensor.probe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Reads kernel memory for the integrity checks through integrity.bpf.o: kernel text by address,
 * the function pointers behind the caller's own file descriptors, and the kernel's task list.
 * Nothing is attached to a hot path: the two readers are raw_tp programs run with
 * BPF_PROG_TEST_RUN from the calling thread, the task list is a BPF iterator read on demand.
 * Not thread-safe: one checker thread uses it.
 */
public final class KernelReader implements AutoCloseable {
    static final String OBJECT = "integrity.bpf.o";
    /** Mirrors integrity.bpf.c. */
    public static final int MAX_TEXT = 512;
    public static final int CHUNK = 256;
    public static final int MAX_FILES = 16;
    public static final int PTRS = 16;
    public static final int TEXT_OUT_SIZE = 8 + CHUNK;
    public static final int FILE_OUT_SIZE = 8 + 8 * PTRS + 8 * 3;
    public static final int TASK_REC_SIZE = 24;
    /** bwi_file_req.kind bits. */
    public static final int FOPS = 0x1;
    public static final int IOPS = 0x2;
    public static final int SEQ = 0x4;

    private static volatile IntegrityCalls calls;

    private final Native n = Native.get();
    private final IntegrityCalls c;
    private final Runtime rt;
    private final BpfObject obj;
    private final Path extracted;
    private final int textFd;
    private final int ptrsFd;
    private Pointer iterLink;

    /** One kernel text read: the bytes, or the errno of the failed read. */
    public record Text(long addr, byte[] bytes, int errno) {}

    /** The pointers read behind one descriptor; {@code errno} 2 when the descriptor was not open. */
    public record Pointers(int fd, long[] ptrs, long[] seq, int errno) {}

    /** A process (thread group leader) from the kernel's task list. */
    public record KernelTask(int tgid, int threads, String comm) {}

    private KernelReader(BpfObject obj, Path extracted) {
        this.obj = obj;
        this.extracted = extracted;
        this.c = calls();
        this.rt = Runtime.getRuntime(c);
        this.textFd = programFd("bwi_text");
        this.ptrsFd = programFd("bwi_ptrs");
    }

    /** The libbpf/libc binding for the integrity checks (libbpf located by {@link Native}). */
    static IntegrityCalls calls() {
        IntegrityCalls x = calls;
        if (x == null) {
            synchronized (KernelReader.class) {
                if (calls == null) {
                    Native.get(); // finds libbpf (or explains how to install it) and keeps it loaded
                    RuntimeException last = null;
                    for (String lib : new String[] {"libbpf.so.1", "bpf"}) {
                        try {
                            calls = LibraryLoader.create(IntegrityCalls.class).library(lib).library("c").failImmediately().load();
                            break;
                        } catch (RuntimeException | LinkageError e) {
                            last = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                        }
                    }
                    if (calls == null) {
                        throw new EnvironmentException("libbpf 1.x functions for the integrity checks not found (" + last.getMessage()
                                + "): install libbpf1 (apt-get install libbpf1)");
                    }
                }
                x = calls;
            }
        }
        return x;
    }

    /** Loads integrity.bpf.o (from -Dbulwark.bpfDir or the jar). Needs root. */
    public static KernelReader open() {
        Probe.checkEnvironment();
        Path file = locate();
        BpfObject obj = BpfObject.open(file);
        try {
            obj.load();
            return new KernelReader(obj, file.toString().contains(System.getProperty("bulwark.bpfDir", "\0")) ? null : file);
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    private static Path locate() {
        return Probe.locateObject(OBJECT);
    }

    private int programFd(String name) {
        Pointer prog = n.bpf.bpf_object__find_program_by_name(obj.handle(), name);
        if (prog == null || prog.address() == 0) {
            throw new BpfException("find program", 2, OBJECT + ":" + name);
        }
        int fd = c.bpf_program__fd(prog);
        if (fd < 0) {
            throw new BpfException("program fd", -fd, OBJECT + ":" + name);
        }
        return fd;
    }

    /** The BPF program ids of this object (so the inventory can tell them apart). */
    public List<Integer> programIds() {
        List<Integer> ids = new ArrayList<>();
        for (int fd : new int[] {textFd, ptrsFd}) {
            ids.add(BpfInventory.progId(c, rt, fd));
        }
        return ids;
    }

    private void setCtl(int index, int value) {
        obj.update("ctl", le32(index), le32(value));
    }

    private void testRun(int progFd, String name) {
        setCtl(2, c.gettid()); // only this thread may drive the readers
        Pointer opts = Memory.allocateDirect(rt, 80, true);
        opts.putLong(0, 80); // sz: sizeof(struct bpf_test_run_opts), libbpf 1.1
        int rc = c.bpf_prog_test_run_opts(progFd, opts);
        if (rc != 0) {
            int err = rc < 0 && rc != -1 ? -rc : LastError.getLastError(rt);
            throw new BpfException("test run", err, OBJECT + ":" + name,
                    "BPF_PROG_TEST_RUN of a raw_tp program is needed for the kernel integrity checks (Linux 5.10+)");
        }
        int retval = opts.getInt(56);
        if (retval != 0) {
            throw new BpfException("test run", 1, OBJECT + ":" + name, "the program refused to run for this thread (retval " + retval + ")");
        }
    }

    /**
     * Copies kernel memory: {@code lens[i]} (1..256) bytes at {@code addrs[i]}. A read that the
     * kernel refuses (unmapped address) comes back with its errno and no bytes.
     */
    public List<Text> readText(long[] addrs, int[] lens) {
        List<Text> out = new ArrayList<>(addrs.length);
        int reqFd = obj.mapFd("text_req");
        int outFd = obj.mapFd("text_out");
        Pointer key = Memory.allocateDirect(rt, 4);
        Pointer req = Memory.allocateDirect(rt, 16, true);
        Pointer val = Memory.allocateDirect(rt, TEXT_OUT_SIZE);
        for (int base = 0; base < addrs.length; base += MAX_TEXT) {
            int count = Math.min(MAX_TEXT, addrs.length - base);
            for (int i = 0; i < count; i++) {
                key.putInt(0, i);
                req.putLong(0, addrs[base + i]);
                req.putInt(8, lens[base + i]);
                if (n.bpf.bpf_map_update_elem(reqFd, key, req, 0) != 0) {
                    throw new BpfException("map update", n.errno(), OBJECT + ":text_req");
                }
            }
            setCtl(0, count);
            testRun(textFd, "bwi_text");
            for (int i = 0; i < count; i++) {
                key.putInt(0, i);
                if (n.bpf.bpf_map_lookup_elem(outFd, key, val) != 0) {
                    throw new BpfException("map lookup", n.errno(), OBJECT + ":text_out");
                }
                long err = val.getLong(0);
                if (err != 0) {
                    out.add(new Text(addrs[base + i], null, (int) -err));
                } else {
                    byte[] b = new byte[lens[base + i]];
                    val.get(8, b, 0, b.length);
                    out.add(new Text(addrs[base + i], b, 0));
                }
            }
        }
        return out;
    }

    /**
     * Reads the function pointers the kernel calls for this process's open descriptors:
     * {@code kinds[i]} is a mask of {@link #FOPS}, {@link #IOPS}, {@link #SEQ}. At most 16.
     */
    public List<Pointers> readPointers(int[] fds, int[] kinds) {
        if (fds.length > MAX_FILES) {
            throw new IllegalArgumentException("at most " + MAX_FILES + " descriptors per read");
        }
        int reqFd = obj.mapFd("file_req");
        int outFd = obj.mapFd("file_out");
        Pointer key = Memory.allocateDirect(rt, 4);
        Pointer req = Memory.allocateDirect(rt, 8);
        Pointer val = Memory.allocateDirect(rt, FILE_OUT_SIZE);
        for (int i = 0; i < fds.length; i++) {
            key.putInt(0, i);
            req.putInt(0, fds[i]);
            req.putInt(4, kinds[i]);
            if (n.bpf.bpf_map_update_elem(reqFd, key, req, 0) != 0) {
                throw new BpfException("map update", n.errno(), OBJECT + ":file_req");
            }
        }
        setCtl(1, fds.length);
        testRun(ptrsFd, "bwi_ptrs");
        List<Pointers> out = new ArrayList<>();
        for (int i = 0; i < fds.length; i++) {
            key.putInt(0, i);
            if (n.bpf.bpf_map_lookup_elem(outFd, key, val) != 0) {
                throw new BpfException("map lookup", n.errno(), OBJECT + ":file_out");
            }
            long err = val.getLong(0);
            long[] p = new long[PTRS];
            for (int j = 0; j < PTRS; j++) {
                p[j] = val.getLong(8 + 8L * j);
            }
            long[] s = new long[3];
            for (int j = 0; j < 3; j++) {
                s[j] = val.getLong(8 + 8L * PTRS + 8L * j);
            }
            out.add(new Pointers(fds[i], p, s, (int) -err));
        }
        return out;
    }

    /**
     * Opens each path (read-only, non-blocking, close-on-exec), reads the pointers behind it, closes
     * it. A path that cannot be opened comes back as null.
     */
    public List<Pointers> readPointers(List<String> paths, int[] kinds) {
        int[] fds = new int[paths.size()];
        try {
            List<Integer> open = new ArrayList<>();
            List<Integer> openKinds = new ArrayList<>();
            for (int i = 0; i < fds.length; i++) {
                fds[i] = c.open(paths.get(i), 0 /* O_RDONLY */ | 04000 /* O_NONBLOCK */ | 02000000 /* O_CLOEXEC */);
                if (fds[i] >= 0) {
                    open.add(fds[i]);
                    openKinds.add(kinds[i]);
                }
            }
            List<Pointers> got = open.isEmpty() ? List.of()
                    : readPointers(open.stream().mapToInt(Integer::intValue).toArray(), openKinds.stream().mapToInt(Integer::intValue).toArray());
            List<Pointers> out = new ArrayList<>();
            int k = 0;
            for (int fd : fds) {
                out.add(fd >= 0 ? got.get(k++) : null);
            }
            return out;
        } finally {
            for (int fd : fds) {
                if (fd > 0) {
                    c.close(fd);
                }
            }
        }
    }

    /** Every process in the kernel's task list (thread group leaders), read with the task iterator. */
    public List<KernelTask> tasks() {
        if (iterLink == null) {
            Pointer prog = n.bpf.bpf_object__find_program_by_name(obj.handle(), "bwi_tasks");
            Pointer link = n.bpf.bpf_program__attach(prog);
            if (link == null || link.address() == 0) {
                throw new BpfException("attach iterator", n.errno(), OBJECT + ":bwi_tasks", "iter/task programs need Linux 5.8+");
            }
            iterLink = link;
        }
        int fd = c.bpf_iter_create(c.bpf_link__fd(iterLink));
        if (fd < 0) {
            throw new BpfException("create iterator", LastError.getLastError(rt), OBJECT + ":bwi_tasks");
        }
        try {
            ByteBuffer all = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            Pointer buf = Memory.allocateDirect(rt, 1 << 16);
            while (true) {
                long r = c.read(fd, buf, 1 << 16);
                if (r < 0) {
                    int e = LastError.getLastError(rt);
                    if (e == 4 /* EINTR */ || e == 11 /* EAGAIN: the iterator restarts */) {
                        continue;
                    }
                    throw new BpfException("read iterator", e, OBJECT + ":bwi_tasks");
                }
                if (r == 0) {
                    break;
                }
                if (all.remaining() < r) {
                    ByteBuffer bigger = ByteBuffer.allocate(Math.max(all.capacity() * 2, all.position() + (int) r)).order(ByteOrder.LITTLE_ENDIAN);
                    all.flip();
                    bigger.put(all);
                    all = bigger;
                }
                byte[] chunk = new byte[(int) r];
                buf.get(0, chunk, 0, chunk.length);
                all.put(chunk);
            }
            all.flip();
            List<KernelTask> tasks = new ArrayList<>(all.remaining() / TASK_REC_SIZE);
            while (all.remaining() >= TASK_REC_SIZE) {
                int tgid = all.getInt();
                int threads = all.getInt();
                byte[] comm = new byte[16];
                all.get(comm);
                int len = 0;
                while (len < 16 && comm[len] != 0) {
                    len++;
                }
                tasks.add(new KernelTask(tgid, threads, new String(comm, 0, len, java.nio.charset.StandardCharsets.UTF_8)));
            }
            return tasks;
        } finally {
            c.close(fd);
        }
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    @Override
    public void close() {
        if (iterLink != null) {
            n.bpf.bpf_link__destroy(iterLink);
            iterLink = null;
        }
        obj.close();
        if (extracted != null) {
            try {
                Files.deleteIfExists(extracted);
            } catch (IOException ignored) {
                // a temp file; deleteOnExit is the backstop
            }
        }
    }
}
