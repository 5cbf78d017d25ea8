package io.bulwark.sensor.event;

import io.bulwark.sensor.probe.RawEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Hand-made ring-buffer records, laid out as the kernel writes {@code struct bw_event} (the offsets of
 * {@link RawEvent}, pinned against the BPF object's BTF by BpfLayoutTest) and cut after the last string
 * used, as {@code emit()} cuts them.
 */
final class Records {
    private final ByteBuffer b = ByteBuffer.allocate(RawEvent.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private int end = RawEvent.MIN_SIZE;

    static Records of(int op, int nr) {
        Records r = new Records();
        r.b.put(RawEvent.OFF_OP, (byte) op);
        r.b.putShort(RawEvent.OFF_NR, (short) nr);
        return r.pid(4242).comm("sh");
    }

    static Records syscall(String name) {
        int nr = SyscallTable.get().number(name);
        if (nr < 0) {
            throw new IllegalArgumentException("no syscall " + name + " here");
        }
        return of(RawEvent.OP_SYSCALL, nr);
    }

    Records pid(int pid) {
        b.putInt(RawEvent.OFF_TID, pid);
        b.putInt(RawEvent.OFF_PID, pid);
        return this;
    }

    Records ppid(int ppid) {
        b.putInt(RawEvent.OFF_PPID, ppid);
        return this;
    }

    Records ktime(long ns) {
        b.putLong(RawEvent.OFF_KTIME, ns);
        return this;
    }

    Records uid(int uid) {
        b.putInt(RawEvent.OFF_UID, uid);
        return this;
    }

    Records cgroup(long id) {
        b.putLong(RawEvent.OFF_CGROUP_ID, id);
        return this;
    }

    Records mntNs(int inum) {
        b.putInt(RawEvent.OFF_MNT_NS, inum);
        return this;
    }

    Records caps(long eff, long prm) {
        b.putLong(RawEvent.OFF_CAP_EFF, eff);
        b.putLong(RawEvent.OFF_CAP_PRM, prm);
        return this;
    }

    Records comm(String comm) {
        byte[] c = comm.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < RawEvent.COMM_LEN; i++) {
            b.put(RawEvent.OFF_COMM + i, i < c.length ? c[i] : 0);
        }
        return this;
    }

    /** flags (BW_F_*) in the flags byte, flags2 (BW_F2_*, as RawEvent keeps them: above the byte) in their own field. */
    Records flags(int flags) {
        b.put(RawEvent.OFF_FLAGS, (byte) (flags & 0xff));
        b.putShort(RawEvent.OFF_FLAGS2, (short) (flags >>> 8));
        return this;
    }

    Records ret(long ret) {
        b.putLong(RawEvent.OFF_RET, ret);
        return this;
    }

    Records args(long... args) {
        for (int i = 0; i < args.length; i++) {
            b.putLong(RawEvent.OFF_ARGS + 8 * i, args[i]);
        }
        return this;
    }

    Records aux(long aux0, long aux1) {
        b.putLong(RawEvent.OFF_AUX, aux0);
        b.putLong(RawEvent.OFF_AUX + 8, aux1);
        return this;
    }

    Records str(int slot, String s) {
        return str(slot, s.getBytes(StandardCharsets.UTF_8));
    }

    Records str(int slot, byte[] s) {
        int off = slot == 0 ? RawEvent.OFF_STR0 : slot == 1 ? RawEvent.OFF_STR1 : RawEvent.OFF_STR2;
        int cap = slot == 0 ? RawEvent.STR0_LEN : slot == 1 ? RawEvent.STR1_LEN : RawEvent.STR2_LEN;
        for (int i = 0; i < cap; i++) {
            b.put(off + i, i < s.length ? s[i] : 0);
        }
        end = Math.max(end, off + Math.min(cap, s.length + 1));
        return this;
    }

    /** The record's bytes, as long as the kernel would send it. */
    byte[] bytes() {
        return Arrays.copyOf(b.array(), end);
    }

    RawEvent raw() {
        return RawEvent.parse(bytes());
    }
}
