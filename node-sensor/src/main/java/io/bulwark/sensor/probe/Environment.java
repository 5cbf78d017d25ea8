package io.bulwark.sensor.probe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * What the sensor needs from the node besides root, where it looks for it, and the one-line
 * message with the fix when something is missing. Two places can be moved by a setting (system
 * property, else environment variable):
 *
 * <ul>
 *   <li>{@code bulwark.btf} / {@code BULWARK_BTF}: where the check looks for the kernel's BTF
 *       (default {@code /sys/kernel/btf/vmlinux}). libbpf and the kernel always use the kernel's own
 *       BTF; the setting only moves the check (a different sysfs mount point, and tests).</li>
 *   <li>{@code bulwark.libbpf} / {@code BULWARK_LIBBPF}: the libbpf shared library to load, a name
 *       or a path (default: {@code libbpf.so.1} through the loader's search, then the usual
 *       distribution paths). When set, only that library is tried.</li>
 * </ul>
 */
public final class Environment {
    private static final Logger LOG = Logger.getLogger(Environment.class);

    public static final String BTF_PROPERTY = "bulwark.btf";
    public static final String BTF_ENV = "BULWARK_BTF";
    public static final Path DEFAULT_BTF = Path.of("/sys/kernel/btf/vmlinux");
    public static final String LIBBPF_PROPERTY = "bulwark.libbpf";
    public static final String LIBBPF_ENV = "BULWARK_LIBBPF";
    static final List<String> DEFAULT_LIBBPF = List.of("bpf", "libbpf.so.1", "/usr/lib/x86_64-linux-gnu/libbpf.so.1",
            "/usr/lib64/libbpf.so.1", "/usr/lib/aarch64-linux-gnu/libbpf.so.1");
    public static final Path TRACEFS = Path.of("/sys/kernel/tracing");
    static final Path DEBUGFS_TRACING = Path.of("/sys/kernel/debug/tracing");
    /** First bytes of a BTF blob: {@code struct btf_header.magic} 0xeB9F, little-endian on this architecture. */
    private static final int BTF_MAGIC = 0xeB9F;

    private Environment() {}

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** Where the kernel's BTF is expected. */
    public static Path btfPath() {
        String v = setting(BTF_PROPERTY, BTF_ENV);
        return v == null ? DEFAULT_BTF : Path.of(v);
    }

    /** The libbpf libraries to try, in order. */
    static List<String> libbpfCandidates() {
        String v = setting(LIBBPF_PROPERTY, LIBBPF_ENV);
        return v == null ? DEFAULT_LIBBPF : List.of(v);
    }

    /** The message for a libbpf that could not be loaded. */
    static String libbpfMissing(List<String> tried, Throwable last) {
        String where = tried.size() == 1 ? tried.get(0) + " (set by " + LIBBPF_PROPERTY + "/" + LIBBPF_ENV + ")"
                : "libbpf.so.1";
        return "libbpf 1.x not found: cannot load " + where
                + (last == null || last.getMessage() == null || last.getMessage().isBlank() ? ""
                        : " (" + last.getMessage().strip().lines().findFirst().orElse("") + ")") // jnr adds search paths on more lines
                + "; install it with `apt-get install libbpf1` (or run ./bulwark setup)";
    }

    /**
     * The kernel exposes its BTF (CONFIG_DEBUG_INFO_BTF=y): the sensor's programs are CO-RE and
     * BTF-typed tracepoints, neither loads without it.
     */
    public static void checkBtf(Path btf) {
        String fix = "Bulwark needs a kernel built with CONFIG_DEBUG_INFO_BTF=y (5.8 or later; stock kernels of Debian 11+,"
                + " Ubuntu 20.10+, Fedora 31+ and RHEL 8.2+ have it): boot such a kernel";
        if (!Files.exists(btf)) {
            throw new EnvironmentException(btf + " is missing: this kernel exposes no BTF; " + fix);
        }
        if (!Files.isReadable(btf)) {
            throw new EnvironmentException(btf + " is not readable: run the sensor as root");
        }
        try (InputStream in = Files.newInputStream(btf)) {
            byte[] head = in.readNBytes(2);
            int magic = head.length < 2 ? -1 : (head[0] & 0xff) | (head[1] & 0xff) << 8;
            if (magic != BTF_MAGIC) {
                throw new EnvironmentException(btf + " is not BTF data (no 0xeB9F magic): " + fix);
            }
        } catch (IOException e) {
            throw new EnvironmentException("cannot read " + btf + " (" + e.getMessage() + "): " + fix);
        }
    }

    /** tracefs is mounted (at /sys/kernel/tracing, or through debugfs). */
    public static boolean tracefsMounted() {
        return Files.isDirectory(TRACEFS.resolve("events")) || Files.isDirectory(DEBUGFS_TRACING.resolve("events"));
    }

    /**
     * Mounts tracefs at /sys/kernel/tracing when it is not mounted. The sensor's programs are
     * BTF-typed tracepoints, which do not need it, so a failure is a warning, not an error.
     *
     * @return true when tracefs is mounted afterwards
     */
    public static boolean ensureTracefs() {
        if (tracefsMounted()) {
            return true;
        }
        String out = mount("tracefs", "nodev", TRACEFS);
        if (Files.isDirectory(TRACEFS.resolve("events"))) {
            LOG.infof("tracefs was not mounted: mounted it at %s", TRACEFS);
            return true;
        }
        LOG.warnf("tracefs is not mounted and could not be mounted (%s); mount it with `mount -t tracefs nodev %s`."
                + " The sensor's BTF tracepoints do not need it", out.isEmpty() ? "no reason given" : out, TRACEFS);
        return false;
    }

    /** The bpf filesystem is mounted at {@code mountPoint} (a line of /proc/mounts says so). */
    static boolean bpffsMountedAt(Path mountPoint) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/mounts"))) {
                String[] f = l.split(" ");
                if (f.length > 2 && f[1].equals(mountPoint.toString()) && f[2].equals("bpf")) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * Mounts bpffs at /sys/fs/bpf when it is not mounted there (pins need it; systemd mounts it on
     * most hosts, this machine's init does not). Throws with the fix when it cannot.
     */
    public static void ensureBpffs() {
        Path at = Path.of("/sys/fs/bpf");
        if (bpffsMountedAt(at)) {
            return;
        }
        String out = mount("bpf", "bpf", at);
        if (!bpffsMountedAt(at)) {
            throw new EnvironmentException("bpffs is not mounted at " + at + " and could not be mounted (" + (out.isEmpty() ? "no reason given" : out)
                    + "): mount it with `mount -t bpf bpf " + at + "` (a DaemonSet: a hostPath mount of /sys/fs/bpf), or run up with --pin-dir none");
        }
        LOG.infof("bpffs was not mounted: mounted it at %s", at);
    }

    /** Runs {@code mount -t TYPE SOURCE TARGET}; returns what it printed (its reason when it fails), or why it did not run. */
    private static String mount(String type, String source, Path target) {
        try {
            Process p = new ProcessBuilder("mount", "-t", type, source, target.toString()).redirectErrorStream(true).start();
            if (p.waitFor(5, TimeUnit.SECONDS)) {
                return new String(p.getInputStream().readAllBytes()).strip();
            }
            p.destroyForcibly();
            return "mount did not return in 5 s";
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
