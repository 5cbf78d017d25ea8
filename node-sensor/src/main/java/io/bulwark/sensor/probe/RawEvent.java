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

    /** Field offsets in struct bw_event. */
    public static final int OFF_OP = 0, OFF_FLAGS = 1, OFF_NR = 2, OFF_TID = 4, OFF_KTIME = 8, OFF_PID = 16, OFF_PPID = 20,
            OFF_UID = 24, OFF_GID = 28, OFF_LOGINUID = 32, OFF_VPID = 36, OFF_CGROUP_ID = 40, OFF_MNT_NS = 48,
            OFF_PID_NS = 52, OFF_NET_NS = 56, OFF_USER_NS = 60, OFF_CGROUP_NS = 64, OFF_UTS_NS = 68, OFF_IPC_NS = 72,
            OFF_TTY = 76, OFF_CAP_EFF = 80, OFF_CAP_PRM = 88, OFF_RET = 96, OFF_ARGS = 104, OFF_AUX = 152,
            OFF_COMM = 168, OFF_STR0 = 184, OFF_STR1 = 440, OFF_STR2 = 696;
    public static final int STR0_LEN = 256, STR1_LEN = 256, STR2_LEN = 64, COMM_LEN = 16;
    /** sizeof(struct bw_event). */
    public static final int SIZE = 760;

    public boolean contained() {
        return (flags & F_CONTAINED) != 0;
    }

    /** Decodes one event from its bytes (little-endian, as the kernel wrote it). */
    public static RawEvent parse(byte[] b) {
        if (b.length < SIZE) {
            throw new IllegalArgumentException("event of " + b.length + " bytes, expected " + SIZE);
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long[] args = new long[6];
        for (int i = 0; i < 6; i++) {
            args[i] = bb.getLong(OFF_ARGS + 8 * i);
        }
        long[] aux = {bb.getLong(OFF_AUX), bb.getLong(OFF_AUX + 8)};
        return new RawEvent(
                b[OFF_OP] & 0xff, b[OFF_FLAGS] & 0xff, bb.getShort(OFF_NR) & 0xffff, bb.getInt(OFF_TID), bb.getLong(OFF_KTIME),
                bb.getInt(OFF_PID), bb.getInt(OFF_PPID), bb.getInt(OFF_UID), bb.getInt(OFF_GID), bb.getInt(OFF_LOGINUID),
                bb.getInt(OFF_VPID), bb.getLong(OFF_CGROUP_ID), bb.getInt(OFF_MNT_NS), bb.getInt(OFF_PID_NS),
                bb.getInt(OFF_NET_NS), bb.getInt(OFF_USER_NS), bb.getInt(OFF_CGROUP_NS), bb.getInt(OFF_UTS_NS),
                bb.getInt(OFF_IPC_NS), bb.getInt(OFF_TTY), bb.getLong(OFF_CAP_EFF), bb.getLong(OFF_CAP_PRM),
                bb.getLong(OFF_RET), args, aux, cstring(b, OFF_COMM, COMM_LEN),
                slice(b, OFF_STR0, STR0_LEN), slice(b, OFF_STR1, STR1_LEN), slice(b, OFF_STR2, STR2_LEN));
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

    private static byte[] slice(byte[] b, int off, int len) {
        byte[] out = new byte[len];
        System.arraycopy(b, off, out, 0, len);
        return out;
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
