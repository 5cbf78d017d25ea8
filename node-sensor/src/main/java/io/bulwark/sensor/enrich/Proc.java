package io.bulwark.sensor.enrich;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Live facts about processes from procfs (under {@link StateRoots#proc()}); every read tolerates a vanished pid. */
public final class Proc {
    /** OCI namespace type to the file name under /proc/PID/ns. */
    static final Map<String, String> NS_FILES = Map.of("pid", "pid", "network", "net", "ipc", "ipc", "uts", "uts",
            "mount", "mnt", "user", "user", "cgroup", "cgroup");

    private final Path proc;
    private final Map<String, Long> hostNs = new ConcurrentHashMap<>();

    public Proc(Path proc) {
        this.proc = proc;
    }

    /** The process exists and, when {@code startTime > 0}, started at that clock tick (not a reused pid). */
    boolean alive(int pid, long startTime) {
        if (pid <= 0) {
            return false;
        }
        try {
            String stat = Files.readString(proc.resolve(pid + "/stat"));
            if (startTime <= 0) {
                return true;
            }
            // field 22 (starttime) counted after the ")" that closes comm, which may contain spaces
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[19]) == startTime;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Effective capabilities, or null when the process is gone. */
    List<String> effectiveCaps(int pid) {
        String hex = statusField(pid, "CapEff:");
        return hex == null ? null : capNames(Long.parseUnsignedLong(hex, 16));
    }

    /** Effective uid, or -1. */
    int uid(int pid) {
        String uids = statusField(pid, "Uid:");
        return uids == null ? -1 : Integer.parseInt(uids.split("\\s+")[1]);
    }

    /** The cgroup2 path of a process ({@code 0::/path} line), or null. */
    public String cgroupV2Path(int pid) {
        try {
            for (String line : Files.readAllLines(proc.resolve(pid + "/cgroup"))) {
                if (line.startsWith("0::")) {
                    return line.substring(3);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return null;
    }

    /** Inode of the namespace a path names ({@code /proc/123/ns/net}), or -1. */
    static long nsInode(Path nsFile) {
        try {
            return ((Number) Files.getAttribute(nsFile, "unix:ino")).longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    long nsInode(int pid, String ociType) {
        String file = NS_FILES.get(ociType);
        return file == null ? -1 : nsInode(proc.resolve(pid + "/ns/" + file));
    }

    /**
     * The host's namespace inode for an OCI namespace type. PID 1's is the reference; where PID 1
     * cannot be read (an agent that even root cannot open) the sensor's own is used, since the
     * sensor runs in the host namespaces.
     */
    long hostNs(String ociType) {
        return hostNs.computeIfAbsent(ociType, t -> {
            String file = NS_FILES.get(t);
            if (file == null) {
                return -1L;
            }
            long init = nsInode(proc.resolve("1/ns/" + file));
            return init > 0 ? init : nsInode(proc.resolve("self/ns/" + file));
        });
    }

    /** The sensor's own bounding set: every capability a runtime on this host can hand out. */
    static List<String> hostBoundingCaps() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapBnd:")) {
                    return capNames(Long.parseUnsignedLong(line.substring(7).strip(), 16));
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return io.bulwark.contract.Capabilities.all();
    }

    static List<String> capNames(long mask) {
        return new ArrayList<>(io.bulwark.contract.Capabilities.names(mask));
    }

    private String statusField(int pid, String key) {
        if (pid <= 0) {
            return null;
        }
        try {
            for (String line : Files.readAllLines(proc.resolve(pid + "/status"))) {
                if (line.startsWith(key)) {
                    return line.substring(key.length()).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return null;
    }
}
