package io.bulwark.sensor.probe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the kernel side watches: the syscalls behind every escape door (each either from
 * every process or only from containerised ones), the sensitive path prefixes and last
 * components for opens, and the TCP ports worth an event. Written into the BPF object's
 * read-only table and maps before attach.
 */
public final class Watchlist {
    public static final int ON = 0x01;
    public static final int CONTAINER = 0x02;
    /** sc_mode bit: the number is, as an ia32 number, a watched 32-bit syscall (Probe sets it from Ia32Table). */
    public static final int IA32 = 0x04;
    public static final int PATH_ANY = 0x01;
    public static final int PATH_WRITE = 0x02;
    public static final int PATH_PROC = 0x04;

    private Watchlist() {}

    /** Syscalls seen from every process: namespace, mount, module, bpf and tracing doors. */
    public static final List<String> EVERYWHERE = List.of(
            "setns", "unshare", "clone", "clone3", "mount", "fsopen", "fsconfig", "fsmount", "move_mount", "open_tree",
            "chroot", "pivot_root", "ptrace", "process_vm_writev", "bpf", "init_module", "finit_module", "delete_module");

    /** Syscalls seen only from containerised processes (on the host they are noise). */
    public static final List<String> CONTAINER_ONLY = List.of(
            "open", "openat", "openat2", "creat", "connect", "socket", "userfaultfd", "memfd_create",
            "open_by_handle_at", "name_to_handle_at", "mknod", "mknodat", "symlink", "symlinkat", "link", "linkat",
            "rename", "renameat", "renameat2", "unlink", "unlinkat", "dup2", "dup3", "splice", "setuid", "setgid",
            "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid", "capset", "chdir", "fchdir");

    /** Path prefixes: any open of these matters (usermode helpers, devices, kernel memory, secrets). */
    public static Map<String, Integer> defaultPrefixes() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String p : List.of("/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe", "/proc/sys/kernel/sysrq",
                "/proc/sysrq-trigger", "/proc/kcore", "/proc/sys/fs/binfmt_misc/", "/sys/kernel/uevent_helper",
                "/proc/1/", "/dev/sd", "/dev/vd", "/dev/xvd", "/dev/nvme", "/dev/dm-", "/dev/mem", "/dev/kmem", "/dev/port",
                "/dev/hd", "/dev/mapper/", "/var/run/secrets/", "/run/secrets/", "/etc/kubernetes/", "/var/lib/kubelet/",
                "/etc/shadow", "/etc/sudoers", "/etc/ld.so.preload", "/root/.ssh/", "/var/run/docker.sock",
                "/run/docker.sock", "/run/containerd/", "/var/run/containerd/", "/var/run/crio/", "/run/crio/",
                "/run/podman/", "/host", "/rootfs/", "/hostfs/", "/dev/userfaultfd", "/proc/self/exe", "/proc/thread-self/exe")) {
            m.put(p, PATH_ANY);
        }
        for (String p : List.of("/proc/self/fd/", "/proc/thread-self/fd/", "/etc/", "/sys/fs/cgroup/", "/sys/kernel/", "/sys/fs/", "/proc/sys/", "/var/spool/cron/",
                "/var/log/", "/usr/lib/systemd/", "/lib/systemd/")) {
            m.put(p, PATH_WRITE);
        }
        return m;
    }

    /** Last path components: the relative-path and /proc/N/ doors. */
    public static Map<String, Integer> defaultNames() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String n : List.of("release_agent", "notify_on_release", "devices.allow", "core_pattern", "modprobe",
                "uevent_helper", "sysrq-trigger", "authorized_keys", "ld.so.preload", "sudoers", "crontab", "shadow")) {
            m.put(n, PATH_ANY);
        }
        for (String n : List.of("register", "sysrq", "hotplug", "devices.deny")) {
            m.put(n, PATH_WRITE);
        }
        for (String n : List.of("mem", "exe", "environ", "kcore", "root", "cwd", "maps")) {
            m.put(n, PATH_ANY | PATH_PROC);
        }
        return m;
    }

    /** Destination ports: Docker API, kubelet, API server, etcd. */
    public static final List<Integer> PORTS = List.of(2375, 2376, 6443, 10250, 10255, 2379, 2380, 8080);
}
