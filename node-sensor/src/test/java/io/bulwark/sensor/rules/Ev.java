package io.bulwark.sensor.rules;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.contract.Syscall;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds {@link SensorEvent}s for rule tests: a containerised root shell unless told otherwise. */
final class Ev {
    static final long CAP_SYS_ADMIN = 1L << 21;
    static final long CAP_DAC_OVERRIDE = 1L << 1;
    static final long CAP_SYS_MODULE = 1L << 16;

    private final String type;
    private final Map<String, Object> args = new LinkedHashMap<>();
    private long result;
    private String errno;
    private String comm = "sh";
    private String exe = "/bin/busybox";
    private List<String> argv = List.of();
    private int uid;
    private int vpid = 7;
    private int loginuid = -1;
    private int tty;
    private long capEff;
    private long capPrm;
    private boolean upper;
    private boolean runtimeWork;
    private final List<ProcessInfo.Ancestor> ancestors = new ArrayList<>();
    private boolean container = true;
    private String id = "3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";
    private String image = "docker.io/library/alpine:3.20";
    private boolean privileged;
    private final List<ContainerInfo.Mount> mounts = new ArrayList<>();
    private ContainerInfo.K8s k8s;
    private String cwd = "/";

    private Ev(String type) {
        this.type = type;
    }

    static Ev of(String type) {
        return new Ev(type);
    }

    /** An openat of {@code path} with {@code flags}, succeeding with fd 3. */
    static Ev open(String path, String flags) {
        return of("openat").arg("dirfd", -100).arg("path", path).arg("name", path).arg("flags", flags).arg("mode", 0).result(3, null);
    }

    /** An exec of {@code exe} as {@code comm} with arguments. */
    static Ev exec(String comm, String exe, String... args) {
        return of("execve").arg("filename", exe).proc(comm, exe, args);
    }

    Ev arg(String k, Object v) {
        args.put(k, v);
        return this;
    }

    Ev result(long r, String errno) {
        this.result = r;
        this.errno = errno;
        return this;
    }

    Ev proc(String comm, String exe, String... args) {
        this.comm = comm;
        this.exe = exe;
        this.argv = Arrays.asList(args);
        return this;
    }

    Ev parent(String comm, String exe, String cmdline) {
        ancestors.add(new ProcessInfo.Ancestor(4000 + ancestors.size(), comm, exe, cmdline));
        return this;
    }

    Ev uid(int uid) {
        this.uid = uid;
        return this;
    }

    /** The pid in the process's own pid namespace (7 unless told: a container of its own; 4242 = the host's). */
    Ev vpid(int v) {
        this.vpid = v;
        return this;
    }

    Ev loginuid(int l) {
        this.loginuid = l;
        return this;
    }

    Ev tty(int t) {
        this.tty = t;
        return this;
    }

    Ev caps(long eff) {
        this.capEff = eff;
        this.capPrm = eff;
        return this;
    }

    Ev upperLayer() {
        this.upper = true;
        return this;
    }

    Ev host() {
        this.container = false;
        return this;
    }

    Ev id(String id) {
        this.id = id;
        return this;
    }

    Ev image(String image) {
        this.image = image;
        return this;
    }

    Ev privileged() {
        this.privileged = true;
        return this;
    }

    Ev mount(String source, String dest) {
        mounts.add(new ContainerInfo.Mount(source, dest, "bind", List.of("rbind", "rprivate")));
        return this;
    }

    /** The container's OCI process.cwd. */
    /** A runtime stage's own work (runc init setting up the container). */
    Ev runtimeWork() {
        this.runtimeWork = true;
        return this;
    }

    Ev cwd(String dir) {
        this.cwd = dir;
        return this;
    }

    Ev k8s(String ns, String pod) {
        this.k8s = new ContainerInfo.K8s(ns, pod, "uid-1", "main");
        return this;
    }

    SensorEvent build() {
        String cmdline = argv.isEmpty() ? comm : comm + " " + String.join(" ", argv);
        ProcessInfo p = new ProcessInfo(4242, 4242, ancestors.isEmpty() ? 1 : ancestors.get(0).pid(), vpid, uid, 0, loginuid, comm, exe,
                argv, cmdline, tty, 9123, new ProcessInfo.Namespaces(1, 2, 3, 4, 5, 6, 7), capEff, capPrm, upper, runtimeWork,
                List.copyOf(ancestors));
        ContainerInfo c = !container ? null : new ContainerInfo(id, "web-1", "runc", image, 4150, "running", "/run/bundle",
                "/nonexistent-rootfs", "/sys/fs/cgroup/x", privileged, List.of(), List.copyOf(mounts), List.of(), 0, true, null, null,
                false, List.of(), List.of(), List.of(), k8s, Map.of(), cwd);
        return new SensorEvent(1764345600123456789L, new Syscall(type, new LinkedHashMap<>(args), result, errno), p, c);
    }
}
