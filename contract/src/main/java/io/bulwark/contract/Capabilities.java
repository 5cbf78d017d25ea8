package io.bulwark.contract;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** Linux capabilities: bit order of linux/capability.h, and masks as lists of CAP_ names. */
public final class Capabilities {
    private static final String[] NAMES = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"
    };
    /** Masks repeat (every process of a container has the same): keep the decoded lists. */
    private static final ConcurrentHashMap<Long, List<String>> CACHE = new ConcurrentHashMap<>();

    private Capabilities() {}

    /** Every capability this table knows, in bit order. */
    public static List<String> all() {
        return List.of(NAMES);
    }

    /** The CAP_ names of the bits set in {@code mask} (unknown bits as {@code CAP_<bit>}); immutable. */
    public static List<String> names(long mask) {
        List<String> cached = CACHE.get(mask);
        if (cached != null) {
            return cached;
        }
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((mask & (1L << bit)) != 0) {
                out.add(bit < NAMES.length ? NAMES[bit] : "CAP_" + bit);
            }
        }
        List<String> result = List.copyOf(out);
        if (CACHE.size() < 4096) {
            CACHE.put(mask, result);
        }
        return result;
    }
}
