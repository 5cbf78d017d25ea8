package io.bulwark.sensor.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Java mirror of {@code struct bw_event} (src/main/bpf/bulwark_events.h). Offsets are pinned
 * against the BTF of the built object by BpfLayoutTest: change both sides together.
 */
public record RawEvent(
        int op, int flags, int nr, int tid, long ktime, int pid, int ppid, int uid, int gid, int loginuid, int vpid,
        long cgroupId, int mntNs, int pidNs, int netNs, int userNs, int cgroupNs, int utsNs, int ipcNs, int tty,
        long capEff, long capPrm, long ret, long[] args, long[] aux, String comm, byte[] str0, byte[] str1, byte[] str2) {

    public static final int OP_SYSCALL = 1;
    public static final int OP_EXEC = 2;
    public static final int OP_FORK = 3;
    public static final int OP_EXIT = 4;
    public static final int OP_CGROUP_MKDIR = 5;
    public static final int OP_IOURING = 6;

    public static final int F_CONTAINED = 0x01;
    public static final int F_EXE_DELETED = 0x02;
    public static final int F_TRUNCATED = 0x04;
    /** exec: the kernel raised privileges (set-id honoured or file capabilities; AT_SECURE). */
    public static final int F_SECUREEXEC = 0x08;
    /** open of /proc/self/fd/N (or thread-self, or any pid's) resolved by the kernel: str1 = the target's name, aux[1] = FD_* bits | its i_mode. */
    public static final int F_PROC_FD = 0x10;
    /** syscall made through the 32-bit door (ia32); nr and args are already the x86_64 equivalents. */
    public static final int F_COMPAT = 0x20;
    /** with F_COMPAT: the caller was running 64-bit code (int 0x80 from a 64-bit program). */
    public static final int F_COMPAT64 = 0x40;
    /** with F_COMPAT: socket or connect made through ia32 socketcall(2). */
    public static final int F_SOCKETCALL = 0x80;
    /** flags2 (BW_F2_*), shifted above the flags byte: exec in a container with its working directory in another mount namespace. */
    public static final int F2_CWD_FOREIGN = 0x0001 << 8;
    /** flags2: exec in a container with its root directory in another mount namespace. */
    public static final int F2_ROOT_FOREIGN = 0x0002 << 8;
    /** flags2: a container's write open sent at exit because the opened file is on a mount of another mount namespace; str1 = its name, aux[1] = its i_mode. */
    public static final int F2_FILE_FOREIGN = 0x0004 << 8;
    /** flags2: a container's open of a relative path whose directory is on a mount of another mount namespace (a leaked host directory); str1 names it. */
    public static final int F2_DIR_FOREIGN = 0x0008 << 8;
    /** flags2: exec in a container of a file on a mount of another mount namespace (a host binary through a leaked descriptor). */
    public static final int F2_EXE_FOREIGN = 0x0010 << 8;
    /** flags2: a container's write open whose opened file is a kernel interface watched by name on a kernel pseudo-filesystem, whatever name led there; str2 = its name, args[5] = the filesystem's magic. */
    public static final int F2_FILE_KERNEL = 0x0020 << 8;
    /** aux[1] of an F_PROC_FD open: the target's mount belongs to another mount namespace than the opener's. */
    public static final long FD_FOREIGN_MNT = 1L << 32;
    /** aux[1] of an F_PROC_FD open: the target is a procfs file. */
    public static final long FD_PROCFS = 1L << 33;
    /** aux[1] of an F_PROC_FD open: descriptor N belongs to another process (/proc/<its pid>/fd/N). */
    public static final long FD_OTHER_PROC = 1L << 34;
    /** aux[1] of an open of a relative path (no F_PROC_FD): str1 holds the directory it is relative to, named by the kernel from the task's root. */
    public static final long OPEN_DIR = 1L << 40;

    /** Field offsets in struct bw_event. */
    public static final int OFF_OP = 0, OFF_FLAGS = 1, OFF_NR = 2, OFF_TID = 4, OFF_KTIME = 8, OFF_PID = 16, OFF_PPID = 20,
            OFF_UID = 24, OFF_GID = 28, OFF_LOGINUID = 32, OFF_VPID = 36, OFF_CGROUP_ID = 40, OFF_MNT_NS = 48,
            OFF_PID_NS = 52, OFF_NET_NS = 56, OFF_USER_NS = 60, OFF_CGROUP_NS = 64, OFF_UTS_NS = 68, OFF_IPC_NS = 72,
            OFF_TTY = 76, OFF_CAP_EFF = 80, OFF_CAP_PRM = 88, OFF_RET = 96, OFF_ARGS = 104, OFF_AUX = 152,
            OFF_COMM = 168, OFF_SLEN = 184, OFF_FLAGS2 = 190, OFF_STR0 = 192, OFF_STR1 = 448, OFF_STR2 = 704;
    public static final int STR0_LEN = 256, STR1_LEN = 256, STR2_LEN = 64, COMM_LEN = 16;
    /** sizeof(struct bw_event): the longest record. */
    public static final int SIZE = 768;
    /** The shortest record: the kernel cuts each event after its last used string (none: here). */
    public static final int MIN_SIZE = OFF_STR0;
    private static final byte[] EMPTY = new byte[0];

    public boolean contained() {
        return (flags & F_CONTAINED) != 0;
    }

    /** Decodes one event from its bytes (little-endian, as the kernel wrote it). */
    public static RawEvent parse(byte[] b) {
        return parse(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN), 0, b.length);
    }

    /**
     * Decodes one event of {@code length} bytes at {@code off} in {@code bb} (absolute reads; the
     * buffer's position is not touched, so a view of the ring buffer can be passed as is). Records
     * end after their last used string: a string field is only as long as the record holds of it
     * (empty when the record ends before it), and bytes past the record are never read.
     */
    public static RawEvent parse(ByteBuffer bb, int off, int length) {
        if (length < MIN_SIZE || length > SIZE) {
            throw new IllegalArgumentException("event of " + length + " bytes, expected " + MIN_SIZE + ".." + SIZE);
        }
        if (bb.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("event buffer must be little-endian");
        }
        long[] args = new long[6];
        for (int i = 0; i < 6; i++) {
            args[i] = bb.getLong(off + OFF_ARGS + 8 * i);
        }
        long[] aux = {bb.getLong(off + OFF_AUX), bb.getLong(off + OFF_AUX + 8)};
        return new RawEvent(
                bb.get(off + OFF_OP) & 0xff, (bb.get(off + OFF_FLAGS) & 0xff) | (bb.getShort(off + OFF_FLAGS2) & 0xffff) << 8,
                bb.getShort(off + OFF_NR) & 0xffff,
                bb.getInt(off + OFF_TID), bb.getLong(off + OFF_KTIME),
                bb.getInt(off + OFF_PID), bb.getInt(off + OFF_PPID), bb.getInt(off + OFF_UID), bb.getInt(off + OFF_GID),
                bb.getInt(off + OFF_LOGINUID), bb.getInt(off + OFF_VPID), bb.getLong(off + OFF_CGROUP_ID),
                bb.getInt(off + OFF_MNT_NS), bb.getInt(off + OFF_PID_NS), bb.getInt(off + OFF_NET_NS),
                bb.getInt(off + OFF_USER_NS), bb.getInt(off + OFF_CGROUP_NS), bb.getInt(off + OFF_UTS_NS),
                bb.getInt(off + OFF_IPC_NS), bb.getInt(off + OFF_TTY), bb.getLong(off + OFF_CAP_EFF),
                bb.getLong(off + OFF_CAP_PRM), bb.getLong(off + OFF_RET), args, aux,
                cstring(bb, off + OFF_COMM, COMM_LEN),
                slice(bb, off, OFF_STR0, STR0_LEN, length), slice(bb, off, OFF_STR1, STR1_LEN, length),
                slice(bb, off, OFF_STR2, STR2_LEN, length));
    }

    private static String cstring(ByteBuffer bb, int off, int max) {
        byte[] tmp = new byte[max];
        int n = 0;
        while (n < max) {
            byte c = bb.get(off + n);
            if (c == 0) {
                break;
            }
            tmp[n++] = c;
        }
        return new String(tmp, 0, n, StandardCharsets.UTF_8);
    }

    /**
     * Copies a string field as far as the record holds it: some hold binary data or several
     * NUL-separated strings (argv, sockaddr), so the bytes are kept as they are.
     */
    private static byte[] slice(ByteBuffer bb, int off, int field, int cap, int length) {
        int len = Math.min(cap, length - field);
        if (len <= 0) {
            return EMPTY;
        }
        byte[] out = new byte[len];
        bb.get(off + field, out, 0, len);
        return out;
    }

    /** A NUL-terminated string inside a byte array. */
    public static String cstring(byte[] b, int off, int max) {
        int end = off;
        int lim = Math.min(b.length, off + max);
        while (end < lim && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    public String s0() {
        return cstring(str0, 0, STR0_LEN);
    }

    public String s1() {
        return cstring(str1, 0, STR1_LEN);
    }

    public String s2() {
        return cstring(str2, 0, STR2_LEN);
    }
}
