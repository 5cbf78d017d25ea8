package io.bulwark.sensor.event;

import java.util.StringJoiner;

/** Kernel flag and constant names (x86_64 Linux ABI) for decoded arguments. */
public final class Flags {
    private Flags() {}

    private static String bits(long v, long[] values, String[] names, String zero) {
        if (v == 0) {
            return zero;
        }
        StringJoiner j = new StringJoiner("|");
        long rest = v;
        for (int i = 0; i < values.length; i++) {
            if ((v & values[i]) == values[i] && values[i] != 0) {
                j.add(names[i]);
                rest &= ~values[i];
            }
        }
        if (rest != 0) {
            j.add("0x" + Long.toHexString(rest));
        }
        return j.toString();
    }

    private static final long[] OPEN_V = {01, 02, 0100, 0200, 01000, 02000, 04000, 010000, 040000, 0200000, 0400000, 02000000, 010000000, 020200000};
    private static final String[] OPEN_N = {"O_WRONLY", "O_RDWR", "O_CREAT", "O_EXCL", "O_TRUNC", "O_APPEND", "O_NONBLOCK", "O_DSYNC", "O_DIRECT", "O_DIRECTORY", "O_NOFOLLOW", "O_CLOEXEC", "O_PATH", "O_TMPFILE"};

    /** open(2) flags: {@code O_RDONLY} when the access mode is read-only and nothing else is set. */
    public static String open(long v) {
        String s = bits(v, OPEN_V, OPEN_N, "O_RDONLY");
        if ((v & 3) == 0 && v != 0) {
            s = "O_RDONLY|" + s;
        }
        return s;
    }

    private static final long[] UFFD_V = {1, 04000, 02000000};
    private static final String[] UFFD_N = {"UFFD_USER_MODE_ONLY", "O_NONBLOCK", "O_CLOEXEC"};

    /** userfaultfd(2) flags: O_CLOEXEC, O_NONBLOCK, UFFD_USER_MODE_ONLY (faults in user memory only, no capability needed). */
    public static String userfaultfd(long v) {
        return bits(v & 0xffffffffL, UFFD_V, UFFD_N, "0");
    }

    public static boolean openWrite(long v) {
        return (v & 3) != 0 || (v & (0100 | 01000)) != 0;
    }

    private static final long[] CLONE_V = {0x00000100, 0x00000200, 0x00000400, 0x00000800, 0x00001000, 0x00002000, 0x00004000, 0x00008000, 0x00010000, 0x00020000, 0x00040000, 0x00080000, 0x00100000, 0x00200000, 0x00400000, 0x00800000, 0x01000000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x80000000L, 0x00000080, 0x100000000L};
    private static final String[] CLONE_N = {"CLONE_VM", "CLONE_FS", "CLONE_FILES", "CLONE_SIGHAND", "CLONE_PIDFD", "CLONE_PTRACE", "CLONE_VFORK", "CLONE_PARENT", "CLONE_THREAD", "CLONE_NEWNS", "CLONE_SYSVSEM", "CLONE_SETTLS", "CLONE_PARENT_SETTID", "CLONE_CHILD_CLEARTID", "CLONE_DETACHED", "CLONE_UNTRACED", "CLONE_CHILD_SETTID", "CLONE_NEWCGROUP", "CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWUSER", "CLONE_NEWPID", "CLONE_NEWNET", "CLONE_IO", "CLONE_NEWTIME", "CLONE_CLEAR_SIGHAND"};

    /** clone/unshare/setns flags (the low byte, the exit signal, is dropped). */
    public static String clone(long v) {
        return bits(v & ~0x7fL, CLONE_V, CLONE_N, "0");
    }

    private static final long[] RENAME_V = {1, 2, 4};
    private static final String[] RENAME_N = {"RENAME_NOREPLACE", "RENAME_EXCHANGE", "RENAME_WHITEOUT"};

    /** renameat2(2) flags. */
    public static String rename(long v) {
        return bits(v & 0xffffffffL, RENAME_V, RENAME_N, "0");
    }

    private static final long[] MOUNT_V = {1, 2, 4, 8, 16, 32, 64, 1024, 2048, 4096, 8192, 16384, 1 << 15, 1 << 17, 1 << 18, 1 << 19, 1 << 20, 1 << 24};
    private static final String[] MOUNT_N = {"MS_RDONLY", "MS_NOSUID", "MS_NODEV", "MS_NOEXEC", "MS_SYNCHRONOUS", "MS_REMOUNT", "MS_MANDLOCK", "MS_NOATIME", "MS_NODIRATIME", "MS_BIND", "MS_MOVE", "MS_REC", "MS_SILENT", "MS_UNBINDABLE", "MS_PRIVATE", "MS_SLAVE", "MS_SHARED", "MS_STRICTATIME"};

    public static String mount(long v) {
        long x = v & 0xffffffffL;
        if ((x & 0xffff0000L) == 0xC0ED0000L) {
            x &= 0xffffL; // MS_MGC_VAL, the historic magic in the upper half
        }
        return bits(x, MOUNT_V, MOUNT_N, "0");
    }

    public static String ptraceRequest(long v) {
        return switch ((int) v) {
            case 0 -> "PTRACE_TRACEME";
            case 4 -> "PTRACE_POKETEXT";
            case 5 -> "PTRACE_POKEDATA";
            case 6 -> "PTRACE_POKEUSER";
            case 13 -> "PTRACE_SETREGS";
            case 15 -> "PTRACE_SETFPREGS";
            case 16 -> "PTRACE_ATTACH";
            case 17 -> "PTRACE_DETACH";
            case 0x4205 -> "PTRACE_SETREGSET";
            case 0x4206 -> "PTRACE_SEIZE";
            default -> "PTRACE_" + v;
        };
    }

    private static final String[] BPF_CMDS = {"BPF_MAP_CREATE", "BPF_MAP_LOOKUP_ELEM", "BPF_MAP_UPDATE_ELEM", "BPF_MAP_DELETE_ELEM", "BPF_MAP_GET_NEXT_KEY", "BPF_PROG_LOAD", "BPF_OBJ_PIN", "BPF_OBJ_GET", "BPF_PROG_ATTACH", "BPF_PROG_DETACH", "BPF_PROG_TEST_RUN", "BPF_PROG_GET_NEXT_ID", "BPF_MAP_GET_NEXT_ID", "BPF_PROG_GET_FD_BY_ID", "BPF_MAP_GET_FD_BY_ID", "BPF_OBJ_GET_INFO_BY_FD", "BPF_PROG_QUERY", "BPF_RAW_TRACEPOINT_OPEN", "BPF_BTF_LOAD", "BPF_BTF_GET_FD_BY_ID", "BPF_TASK_FD_QUERY", "BPF_MAP_LOOKUP_AND_DELETE_ELEM", "BPF_MAP_FREEZE", "BPF_BTF_GET_NEXT_ID", "BPF_MAP_LOOKUP_BATCH", "BPF_MAP_LOOKUP_AND_DELETE_BATCH", "BPF_MAP_UPDATE_BATCH", "BPF_MAP_DELETE_BATCH", "BPF_LINK_CREATE", "BPF_LINK_UPDATE", "BPF_LINK_GET_FD_BY_ID", "BPF_LINK_GET_NEXT_ID", "BPF_ENABLE_STATS", "BPF_ITER_CREATE", "BPF_LINK_DETACH", "BPF_PROG_BIND_MAP"};

    public static String bpfCmd(long v) {
        return v >= 0 && v < BPF_CMDS.length ? BPF_CMDS[(int) v] : "BPF_" + v;
    }

    public static String family(long v) {
        return switch ((int) v) {
            case 0 -> "AF_UNSPEC";
            case 1 -> "AF_UNIX";
            case 2 -> "AF_INET";
            case 10 -> "AF_INET6";
            case 16 -> "AF_NETLINK";
            case 17 -> "AF_PACKET";
            default -> "AF_" + v;
        };
    }

    public static String socketType(long v) {
        String base = switch ((int) (v & 0xf)) {
            case 1 -> "SOCK_STREAM";
            case 2 -> "SOCK_DGRAM";
            case 3 -> "SOCK_RAW";
            case 5 -> "SOCK_SEQPACKET";
            case 10 -> "SOCK_PACKET";
            default -> "SOCK_" + (v & 0xf);
        };
        if ((v & 02000000) != 0) {
            base += "|SOCK_CLOEXEC";
        }
        if ((v & 04000) != 0) {
            base += "|SOCK_NONBLOCK";
        }
        return base;
    }

    /** The kernel pseudo-filesystem of a superblock magic (the ones the sensor's kernel_iface accepts). */
    public static String pseudoFs(long magic) {
        return switch ((int) magic) {
            case 0x9fa0 -> "proc";
            case 0x62656572 -> "sysfs";
            case 0x27e0eb -> "cgroup";
            case 0x63677270 -> "cgroup2";
            case 0x73636673 -> "securityfs";
            case 0x64626720 -> "debugfs";
            case 0x74726163 -> "tracefs";
            case 0x42494e4d -> "binfmt_misc";
            case 0x62656570 -> "configfs";
            default -> "0x" + Long.toHexString(magic);
        };
    }

    /** File type of an inode mode: socket, file, dir, pipe, chr, blk, link. */
    public static String fileType(long mode) {
        return switch ((int) (mode & 0170000)) {
            case 0140000 -> "socket";
            case 0100000 -> "file";
            case 0040000 -> "dir";
            case 0010000 -> "pipe";
            case 0020000 -> "chr";
            case 0060000 -> "blk";
            case 0120000 -> "link";
            case 0 -> "none";
            default -> "unknown";
        };
    }

    /** mknod mode: {@code S_IFBLK|0600}. */
    public static String mknodMode(long mode) {
        String t = switch ((int) (mode & 0170000)) {
            case 0060000 -> "S_IFBLK";
            case 0020000 -> "S_IFCHR";
            case 0010000 -> "S_IFIFO";
            case 0140000 -> "S_IFSOCK";
            case 0100000, 0 -> "S_IFREG";
            default -> "S_IF?";
        };
        return t + "|" + String.format("%04o", mode & 07777);
    }

    /** Linux dev_t as userspace passes it to mknod: {@code major:minor}. */
    public static String dev(long dev) {
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        return major + ":" + minor;
    }

    public static String ioUringOp(int op) {
        return switch (op) {
            case 16 -> "CONNECT";
            case 18 -> "OPENAT";
            case 28 -> "OPENAT2";
            default -> "OP_" + op;
        };
    }
}
