package io.bulwark.sensor.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.NativeLongByReference;

/**
 * One BPF object file: opened, configured (read-only globals), loaded, its programs attached
 * one by one, closed as a unit. A program that cannot attach (a missing tracepoint) is
 * reported by name with its errno; the others still run.
 */
public final class BpfObject implements AutoCloseable {
    private static final int BTF_KIND_DATASEC = 15;

    private final Native n = Native.get();
    private final String file;
    private Pointer obj;
    private final Map<String, Pointer> links = new LinkedHashMap<>();
    private final Map<String, String> failed = new LinkedHashMap<>();
    private Map<String, int[]> rodataLayout;

    private BpfObject(String file, Pointer obj) {
        this.file = file;
        this.obj = obj;
    }

    /** Opens (does not load) the object file. */
    public static BpfObject open(Path path) {
        Native n = Native.get();
        Pointer obj = n.bpf.bpf_object__open_file(path.toString(), null);
        if (obj == null || obj.address() == 0) {
            throw new BpfException("open object", n.errno(), path.toString());
        }
        return new BpfObject(path.getFileName().toString(), obj);
    }

    /** Sets a {@code const volatile} global before load. {@code value} is little-endian bytes of the variable's size or fewer. */
    public void setConst(String variable, byte[] value) {
        requireOpen();
        Map<String, int[]> layout = rodataLayout();
        int[] offSize = layout.get(variable);
        if (offSize == null) {
            throw new BpfException("set const", 22, file + ":" + variable, "no such read-only global; known: " + layout.keySet());
        }
        if (value.length > offSize[1]) {
            throw new BpfException("set const", 22, file + ":" + variable, "value of " + value.length + " bytes exceeds the variable's " + offSize[1]);
        }
        Pointer data = rodata(null);
        data.put(offSize[0], value, 0, value.length);
    }

    public void setConstU32(String variable, long value) {
        setConst(variable, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) value).array());
    }

    public void setConstU64(String variable, long value) {
        setConst(variable, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }

    private Pointer rodata(NativeLongByReference sizeOut) {
        Pointer map = n.bpf.bpf_object__find_map_by_name(obj, ".rodata");
        if (map == null) {
            throw new BpfException("find map", 2, file + ":.rodata");
        }
        NativeLongByReference size = sizeOut == null ? new NativeLongByReference() : sizeOut;
        Pointer data = n.bpf.bpf_map__initial_value(map, size);
        if (data == null) {
            throw new BpfException("map initial value", 22, file + ":.rodata");
        }
        return data;
    }

    /** Offsets and sizes of the read-only globals, from the object's BTF DATASEC. */
    private Map<String, int[]> rodataLayout() {
        if (rodataLayout != null) {
            return rodataLayout;
        }
        Pointer btf = n.bpf.bpf_object__btf(obj);
        if (btf == null) {
            throw new BpfException("read BTF", 2, file, "the object has no BTF: compile with -g");
        }
        int id = n.bpf.btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
        if (id < 0) {
            throw new BpfException("find DATASEC", -id, file + ":.rodata");
        }
        Pointer t = n.bpf.btf__type_by_id(btf, id);
        // struct btf_type { u32 name_off; u32 info; u32 size; } then vlen x btf_var_secinfo { u32 type; u32 offset; u32 size; }
        int info = t.getInt(4);
        int vlen = info & 0xffff;
        Map<String, int[]> layout = new LinkedHashMap<>();
        for (int i = 0; i < vlen; i++) {
            long base = 12 + 12L * i;
            int varType = t.getInt(base);
            int offset = t.getInt(base + 4);
            int size = t.getInt(base + 8);
            Pointer var = n.bpf.btf__type_by_id(btf, varType);
            String name = n.bpf.btf__name_by_offset(btf, var.getInt(0));
            layout.put(name, new int[] {offset, size});
        }
        rodataLayout = layout;
        return layout;
    }

    /** Loads every program into the kernel (the verifier runs here). */
    public void load() {
        requireOpen();
        int rc = n.bpf.bpf_object__load(obj);
        if (rc != 0) {
            int err = rc < 0 ? -rc : n.errno();
            String hint = err == 1 ? "run as root (CAP_BPF and CAP_PERFMON are needed)" : "see the libbpf log above for the verifier's reason";
            throw new BpfException("load", err, file, hint);
        }
    }

    /** Before {@link #load}: pin {@code map} at {@code path} (bpffs), or reuse the map pinned there. */
    public void setPinPath(String map, java.nio.file.Path path) {
        requireOpen();
        Pointer m = n.bpf.bpf_object__find_map_by_name(obj, map);
        if (m == null || m.address() == 0) {
            throw new BpfException("find map", 2, file, "no map named " + map);
        }
        int rc = n.bpf.bpf_map__set_pin_path(m, path.toString());
        if (rc != 0) {
            throw new BpfException("set pin path of " + map, rc < 0 ? -rc : n.errno(), file);
        }
    }

    /** Pins every attached link as {@code dir/<prefix><program>}; returns the paths. */
    public List<java.nio.file.Path> pinLinks(java.nio.file.Path dir, String prefix) {
        requireOpen();
        List<java.nio.file.Path> out = new ArrayList<>();
        for (Map.Entry<String, Pointer> e : links.entrySet()) {
            java.nio.file.Path p = dir.resolve(prefix + e.getKey());
            int rc = n.bpf.bpf_link__pin(e.getValue(), p.toString());
            if (rc != 0) {
                throw new BpfException("pin link of " + e.getKey() + " at " + p, rc < 0 ? -rc : n.errno(), file);
            }
            out.add(p);
        }
        return out;
    }

    /** Attaches every program; returns the names that failed, each with its reason. */
    public Map<String, String> attachAll() {
        requireOpen();
        Pointer prog = null;
        while ((prog = n.bpf.bpf_object__next_program(obj, prog)) != null && prog.address() != 0) {
            String name = n.bpf.bpf_program__name(prog);
            Pointer link = n.bpf.bpf_program__attach(prog);
            if (link == null || link.address() == 0) {
                int err = n.errno();
                failed.put(name, Errno.describe(err));
            } else {
                links.put(name, link);
            }
        }
        return Map.copyOf(failed);
    }

    public List<String> attached() {
        return new ArrayList<>(links.keySet());
    }

    public Map<String, String> failed() {
        return Map.copyOf(failed);
    }

    /** The file descriptor of a map, by name. */
    public int mapFd(String name) {
        requireOpen();
        Pointer map = n.bpf.bpf_object__find_map_by_name(obj, name);
        if (map == null || map.address() == 0) {
            throw new BpfException("find map", 2, file + ":" + name);
        }
        int fd = n.bpf.bpf_map__fd(map);
        if (fd < 0) {
            throw new BpfException("map fd", -fd, file + ":" + name, "is the object loaded?");
        }
        return fd;
    }

    /** A map's max_entries (for a ring buffer: its size in bytes). */
    public long mapMaxEntries(String name) {
        requireOpen();
        Pointer map = n.bpf.bpf_object__find_map_by_name(obj, name);
        if (map == null || map.address() == 0) {
            throw new BpfException("find map", 2, file + ":" + name);
        }
        return Integer.toUnsignedLong(n.bpf.bpf_map__max_entries(map));
    }

    /** Sets a map's max_entries before {@link #load} (a ring buffer: its size in bytes). */
    public void setMapMaxEntries(String name, long entries) {
        requireOpen();
        Pointer map = n.bpf.bpf_object__find_map_by_name(obj, name);
        if (map == null || map.address() == 0) {
            throw new BpfException("find map", 2, file + ":" + name);
        }
        int rc = n.bpf.bpf_map__set_max_entries(map, (int) entries);
        if (rc != 0) {
            throw new BpfException("set max_entries", -rc, file + ":" + name, String.valueOf(entries));
        }
    }

    /** bpf_map_update_elem with raw key and value bytes. */
    public void update(String map, byte[] key, byte[] value) {
        int fd = mapFd(map);
        Pointer k = Memory.allocateDirect(n.runtime, key.length);
        k.put(0, key, 0, key.length);
        Pointer v = Memory.allocateDirect(n.runtime, value.length);
        v.put(0, value, 0, value.length);
        if (n.bpf.bpf_map_update_elem(fd, k, v, 0) != 0) {
            throw new BpfException("map update", n.errno(), file + ":" + map);
        }
    }

    /** Removes a key; false when it was not there. */
    public boolean delete(String map, byte[] key) {
        int fd = mapFd(map);
        Pointer k = Memory.allocateDirect(n.runtime, key.length);
        k.put(0, key, 0, key.length);
        return n.bpf.bpf_map_delete_elem(fd, k) == 0;
    }

    /** Sums a per-CPU array of u64 counters. */
    public long[] sumPerCpuU64(String map, int entries) {
        int fd = mapFd(map);
        int cpus = n.bpf.libbpf_num_possible_cpus();
        Pointer k = Memory.allocateDirect(n.runtime, 4);
        Pointer v = Memory.allocateDirect(n.runtime, 8L * cpus);
        long[] sums = new long[entries];
        for (int i = 0; i < entries; i++) {
            k.putInt(0, i);
            if (n.bpf.bpf_map_lookup_elem(fd, k, v) != 0) {
                throw new BpfException("map lookup", n.errno(), file + ":" + map + "[" + i + "]");
            }
            long s = 0;
            for (int c = 0; c < cpus; c++) {
                s += v.getLong(8L * c);
            }
            sums[i] = s;
        }
        return sums;
    }

    Pointer handle() {
        requireOpen();
        return obj;
    }

    String file() {
        return file;
    }

    private void requireOpen() {
        if (obj == null) {
            throw new IllegalStateException(file + " is closed");
        }
    }

    /** Destroys every link, then closes the object (unloading programs and maps). Idempotent. */
    @Override
    public synchronized void close() {
        for (Pointer link : links.values()) {
            n.bpf.bpf_link__destroy(link);
        }
        links.clear();
        if (obj != null) {
            n.bpf.bpf_object__close(obj);
            obj = null;
        }
    }
}
