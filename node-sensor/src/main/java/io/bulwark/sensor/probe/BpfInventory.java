package io.bulwark.sensor.probe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import jnr.ffi.LastError;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;

/**
 * Every BPF program and link loaded in the kernel, read with BPF_PROG_GET_NEXT_ID /
 * BPF_LINK_GET_NEXT_ID and BPF_OBJ_GET_INFO_BY_FD (what {@code bpftool prog list} does). For
 * each program, the helpers it calls are read from its translated instructions. Needs root.
 */
public final class BpfInventory {
    // struct bpf_prog_info (uapi; 232 bytes on 6.x). Offsets checked against vmlinux BTF by BpfInventoryLayoutTest.
    public static final int PROG_INFO_SIZE = 232;
    public static final int PI_TYPE = 0;
    public static final int PI_ID = 4;
    public static final int PI_TAG = 8;
    public static final int PI_XLATED_LEN = 20;
    public static final int PI_XLATED_INSNS = 32;
    public static final int PI_LOAD_TIME = 40;
    public static final int PI_UID = 48;
    public static final int PI_NR_MAP_IDS = 52;
    public static final int PI_NAME = 64;
    public static final int PI_NR_JITED_KSYMS = 104;
    public static final int PI_NR_JITED_FUNC_LENS = 108;
    public static final int PI_JITED_KSYMS = 112;
    public static final int PI_JITED_FUNC_LENS = 120;
    public static final int PI_BTF_ID = 128;
    public static final int PI_ATTACH_BTF_OBJ_ID = 220;
    public static final int PI_ATTACH_BTF_ID = 224;
    // struct bpf_link_info (64 bytes on 6.x): type, id, prog_id, then a union at 16.
    public static final int LINK_INFO_SIZE = 64;
    public static final int LI_TYPE = 0;
    public static final int LI_ID = 4;
    public static final int LI_PROG_ID = 8;
    public static final int LI_UNION = 16;
    public static final int LINK_RAW_TRACEPOINT = 1;
    public static final int LINK_TRACING = 2;
    public static final int LINK_PERF_EVENT = 7;
    public static final int LINK_KPROBE_MULTI = 8;

    /**
     * One loaded program. {@code helperAddrs}: kernel addresses of the helpers it calls (from
     * __bpf_call_base + imm). {@code jitStarts}/{@code jitLens}: where its JIT-compiled functions lie
     * in kernel memory (the main program first, then its subprograms; empty when the kernel hides
     * addresses or the program is not JIT-compiled), as {@code bpftool prog show} reads them.
     */
    public record Program(int id, int type, String name, String tag, long loadTimeBootNs, int uid, int maps,
                          int btfId, int attachBtfObjId, int attachBtfId, long[] helperAddrs, int helperImmsZeroed,
                          long[] jitStarts, int[] jitLens) {
        public Program(int id, int type, String name, String tag, long loadTimeBootNs, int uid, int maps,
                       int btfId, int attachBtfObjId, int attachBtfId, long[] helperAddrs, int helperImmsZeroed) {
            this(id, type, name, tag, loadTimeBootNs, uid, maps, btfId, attachBtfObjId, attachBtfId, helperAddrs, helperImmsZeroed,
                    new long[0], new int[0]);
        }

        /** True when {@code addr} lies in one of the program's JIT-compiled functions. */
        public boolean containsCode(long addr) {
            for (int i = 0; i < jitStarts.length && i < jitLens.length; i++) {
                if (Long.compareUnsigned(addr, jitStarts[i]) >= 0 && Long.compareUnsigned(addr, jitStarts[i] + jitLens[i]) < 0) {
                    return true;
                }
            }
            return false;
        }
    }

    /** One link: what a program is attached to, where the kernel tells it. */
    public record Link(int id, int type, int progId, String target, int perfType) {}

    private final IntegrityCalls c = KernelReader.calls();
    private final Runtime rt = Runtime.getRuntime(c);

    /** Every program the kernel has; {@code callBase} is __bpf_call_base from /proc/kallsyms (0: helpers unresolved). */
    public List<Program> programs(long callBase) {
        List<Program> out = new ArrayList<>();
        IntByReference next = new IntByReference(0);
        int id = 0;
        while (true) {
            if (c.bpf_prog_get_next_id(id, next) != 0) {
                int e = LastError.getLastError(rt);
                if (e == 2) {
                    break; // ENOENT: the last one
                }
                throw new BpfException("prog get next id", e, "after " + id, e == 1 ? "needs root (CAP_SYS_ADMIN)" : null);
            }
            id = next.intValue();
            int fd = c.bpf_prog_get_fd_by_id(id);
            if (fd < 0) {
                continue; // unloaded meanwhile
            }
            try {
                out.add(program(fd, callBase));
            } catch (BpfException e) {
                // unloaded between the calls: skip
            } finally {
                c.close(fd);
            }
        }
        return out;
    }

    static int progId(IntegrityCalls c, Runtime rt, int fd) {
        Pointer info = Memory.allocateDirect(rt, PROG_INFO_SIZE, true);
        IntByReference len = new IntByReference(PROG_INFO_SIZE);
        if (c.bpf_obj_get_info_by_fd(fd, info, len) != 0) {
            throw new BpfException("prog info", LastError.getLastError(rt), "fd " + fd);
        }
        return info.getInt(PI_ID);
    }

    private Program program(int fd, long callBase) {
        Pointer info = Memory.allocateDirect(rt, PROG_INFO_SIZE, true);
        IntByReference len = new IntByReference(PROG_INFO_SIZE);
        if (c.bpf_obj_get_info_by_fd(fd, info, len) != 0) {
            throw new BpfException("prog info", LastError.getLastError(rt), "fd " + fd);
        }
        int xlatedLen = info.getInt(PI_XLATED_LEN);
        long[] helpers = new long[0];
        int zeroed = 0;
        if (xlatedLen > 0) {
            Pointer insns = Memory.allocateDirect(rt, xlatedLen, true);
            Pointer info2 = Memory.allocateDirect(rt, PROG_INFO_SIZE, true);
            info2.putInt(PI_XLATED_LEN, xlatedLen);
            info2.putLong(PI_XLATED_INSNS, insns.address());
            IntByReference len2 = new IntByReference(PROG_INFO_SIZE);
            if (c.bpf_obj_get_info_by_fd(fd, info2, len2) == 0) {
                int got = Math.min(xlatedLen, info2.getInt(PI_XLATED_LEN));
                List<Long> addrs = new ArrayList<>();
                for (int off = 0; off + 8 <= got; off += 8) {
                    int code = insns.getByte(off) & 0xff;
                    int src = (insns.getByte(off + 1) & 0xf0) >> 4;
                    int imm = insns.getInt(off + 4);
                    if (code == 0x85 /* BPF_JMP | BPF_CALL */ && src == 0 /* a helper, not a bpf-to-bpf or kfunc call */) {
                        if (imm == 0) {
                            zeroed++; // the kernel hides addresses from this reader (kptr_restrict)
                        } else if (callBase != 0) {
                            long a = callBase + imm;
                            if (!addrs.contains(a)) {
                                addrs.add(a);
                            }
                        }
                    }
                }
                helpers = addrs.stream().mapToLong(Long::longValue).toArray();
            }
        }
        long[] jitStarts = new long[0];
        int[] jitLens = new int[0];
        int nKsyms = info.getInt(PI_NR_JITED_KSYMS);
        int nLens = info.getInt(PI_NR_JITED_FUNC_LENS);
        if (nKsyms > 0 && nKsyms == nLens && nKsyms <= 4096) {
            Pointer ksyms = Memory.allocateDirect(rt, 8 * nKsyms, true);
            Pointer lens = Memory.allocateDirect(rt, 4 * nLens, true);
            Pointer info3 = Memory.allocateDirect(rt, PROG_INFO_SIZE, true);
            info3.putInt(PI_NR_JITED_KSYMS, nKsyms);
            info3.putInt(PI_NR_JITED_FUNC_LENS, nLens);
            info3.putLong(PI_JITED_KSYMS, ksyms.address());
            info3.putLong(PI_JITED_FUNC_LENS, lens.address());
            if (c.bpf_obj_get_info_by_fd(fd, info3, new IntByReference(PROG_INFO_SIZE)) == 0) {
                int n = Math.min(nKsyms, Math.min(info3.getInt(PI_NR_JITED_KSYMS), info3.getInt(PI_NR_JITED_FUNC_LENS)));
                jitStarts = new long[n];
                jitLens = new int[n];
                for (int i = 0; i < n; i++) {
                    jitStarts[i] = ksyms.getLong(8L * i);
                    jitLens[i] = lens.getInt(4L * i);
                }
                if (n > 0 && jitStarts[0] == 0) { // addresses hidden from this reader
                    jitStarts = new long[0];
                    jitLens = new int[0];
                }
            }
        }
        byte[] tag = new byte[8];
        info.get(PI_TAG, tag, 0, 8);
        byte[] name = new byte[16];
        info.get(PI_NAME, name, 0, 16);
        int nl = 0;
        while (nl < 16 && name[nl] != 0) {
            nl++;
        }
        return new Program(info.getInt(PI_ID), info.getInt(PI_TYPE), new String(name, 0, nl, StandardCharsets.UTF_8),
                HexFormat.of().formatHex(tag), info.getLong(PI_LOAD_TIME), info.getInt(PI_UID), info.getInt(PI_NR_MAP_IDS),
                info.getInt(PI_BTF_ID), info.getInt(PI_ATTACH_BTF_OBJ_ID), info.getInt(PI_ATTACH_BTF_ID), helpers, zeroed,
                jitStarts, jitLens);
    }

    /** Every link the kernel has. Programs attached without a link (perf ioctl, netlink) have none. */
    public List<Link> links() {
        List<Link> out = new ArrayList<>();
        IntByReference next = new IntByReference(0);
        int id = 0;
        while (true) {
            if (c.bpf_link_get_next_id(id, next) != 0) {
                int e = LastError.getLastError(rt);
                if (e == 2) {
                    break;
                }
                throw new BpfException("link get next id", e, "after " + id);
            }
            id = next.intValue();
            int fd = c.bpf_link_get_fd_by_id(id);
            if (fd < 0) {
                continue;
            }
            try {
                out.add(link(fd));
            } catch (BpfException e) {
                // detached meanwhile
            } finally {
                c.close(fd);
            }
        }
        return out;
    }

    private Link link(int fd) {
        Pointer info = Memory.allocateDirect(rt, LINK_INFO_SIZE, true);
        IntByReference len = new IntByReference(LINK_INFO_SIZE);
        if (c.bpf_obj_get_info_by_fd(fd, info, len) != 0) {
            throw new BpfException("link info", LastError.getLastError(rt), "fd " + fd);
        }
        int type = info.getInt(LI_TYPE);
        String target = null;
        int perfType = 0;
        Pointer name = Memory.allocateDirect(rt, 256, true);
        if (type == LINK_RAW_TRACEPOINT) {
            Pointer i2 = Memory.allocateDirect(rt, LINK_INFO_SIZE, true);
            i2.putLong(LI_UNION, name.address());
            i2.putInt(LI_UNION + 8, 256);
            if (c.bpf_obj_get_info_by_fd(fd, i2, new IntByReference(LINK_INFO_SIZE)) == 0) {
                target = name.getString(0, 256, StandardCharsets.UTF_8);
            }
        } else if (type == LINK_PERF_EVENT) {
            perfType = info.getInt(LI_UNION);
            // kprobe: func_name at 24, name_len at 32; tracepoint: tp_name at 24, name_len at 32; uprobe: file_name at 24.
            Pointer i2 = Memory.allocateDirect(rt, LINK_INFO_SIZE, true);
            i2.putLong(LI_UNION + 8, name.address());
            i2.putInt(LI_UNION + 16, 256);
            if (perfType != 6 /* EVENT: no name */ && c.bpf_obj_get_info_by_fd(fd, i2, new IntByReference(LINK_INFO_SIZE)) == 0) {
                target = name.getString(0, 256, StandardCharsets.UTF_8);
                perfType = i2.getInt(LI_UNION);
            }
        } else if (type == LINK_TRACING) {
            target = "btf_obj " + info.getInt(LI_UNION + 4) + " type " + info.getInt(LI_UNION + 8);
        }
        return new Link(info.getInt(LI_ID), type, info.getInt(LI_PROG_ID), target, perfType);
    }
}
