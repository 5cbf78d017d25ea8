package io.bulwark.sensor.evidence;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.Json;
import io.bulwark.contract.SensorEvent;
import io.bulwark.contract.StableId;
import io.bulwark.sensor.alert.AlertFactory;
import io.bulwark.sensor.enrich.CgroupLayout;
import io.bulwark.sensor.enrich.ProcessTable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Evidence of an incident, captured on the node in two parts (docs/evidence.md):
 *
 * <ol>
 *   <li>{@link #snapshot}: on the decoder thread, before the container is frozen, what is volatile
 *       and cheap: the container's timeline copied from memory, the process tree (offender, its
 *       ancestry, its descendants, the container's processes) from the process table and the
 *       container's cgroup, and the /proc facts of the processes involved (their executables opened
 *       for hashing later). A few ms; nothing is written to disk.
 *   <li>{@link #complete}: on a background thread, from the frozen container: the snapshot's data
 *       written out, executables hashed, the OCI config, the changed files (tar.gz), network
 *       connections, host processes started since the attempt, audit records of the window, then
 *       {@code manifest.json}, last and atomically.
 * </ol>
 *
 * Artifacts go to {@code SPOOL/<incident>/} (a later capture of the same incident to
 * {@code SPOOL/<incident>/capture-N/}); nothing is ever overwritten.
 */
public final class EvidenceCapture implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EvidenceCapture.class);
    public static final String FORMAT = "bulwark-node-evidence/1";
    static final long CLK_TCK = 100; // USER_HZ on Linux (x86-64, arm64)

    /**
     * Settings.
     *
     * @param spool               the evidence spool directory (created 0700)
     * @param maxTarBytes         most bytes of the changed-files tar (before compression)
     * @param hostProcessMarginNs host processes started up to this long before the alert count as "since the attempt"
     * @param auditLog            the audit daemon's log: auditd.conf's {@code log_file} ({@link #auditLogOf}), else
     *                            /var/log/audit/audit.log
     * @param maxProcesses        most processes whose /proc facts the snapshot reads
     * @param proc                procfs
     */
    public record Options(Path spool, long maxTarBytes, long hostProcessMarginNs, Path auditLog, int maxProcesses, Path proc) {
        public static final long DEFAULT_MAX_TAR = 512L << 20;

        public static Options defaults(Path spool) {
            return new Options(spool, DEFAULT_MAX_TAR, 30_000_000_000L, auditLogOf(Path.of("/etc/audit/auditd.conf")), 32, Path.of("/proc"));
        }

        /**
         * Where auditd writes: the {@code log_file} of its configuration (a node may keep the log elsewhere), else
         * auditd's default /var/log/audit/audit.log (no configuration, no such line, or an unreadable file).
         */
        public static Path auditLogOf(Path auditdConf) {
            Path dflt = Path.of("/var/log/audit/audit.log");
            try {
                for (String line : Files.readAllLines(auditdConf, StandardCharsets.UTF_8)) {
                    String l = line.strip();
                    if (l.startsWith("#")) continue;
                    int eq = l.indexOf('=');
                    if (eq > 0 && l.substring(0, eq).strip().equals("log_file")) {
                        String v = l.substring(eq + 1).strip();
                        return v.startsWith("/") ? Path.of(v) : dflt;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return dflt;
            }
            return dflt;
        }

        public Options withMaxTarBytes(long bytes) {
            return new Options(spool, bytes, hostProcessMarginNs, auditLog, maxProcesses, proc);
        }

        public Options withAuditLog(Path log) {
            return new Options(spool, maxTarBytes, hostProcessMarginNs, log, maxProcesses, proc);
        }
    }

    /** What {@link #snapshot} took; handed to {@link #complete}. */
    public static final class Snapshot {
        final String incident;
        volatile AlertDetail alert;
        final ContainerInfo container;
        final String reason;
        final Instant takenAt;
        final long alertTimeNs;
        final List<ContainerTimeline.Entry> timeline;
        final Map<String, Object> processTree;
        final List<ProcFacts> procs;
        final String timelineNote;
        long costNanos;

        Snapshot(String incident, AlertDetail alert, ContainerInfo container, String reason, Instant takenAt, long alertTimeNs,
                 List<ContainerTimeline.Entry> timeline, String timelineNote, Map<String, Object> processTree, List<ProcFacts> procs) {
            this.incident = incident;
            this.alert = alert;
            this.container = container;
            this.reason = reason;
            this.takenAt = takenAt;
            this.alertTimeNs = alertTimeNs;
            this.timeline = timeline;
            this.timelineNote = timelineNote;
            this.processTree = processTree;
            this.procs = procs;
        }

        public String incident() {
            return incident;
        }

        /**
         * The alert as it left the node (same id, with sensor.action set by the fast path after this snapshot
         * was taken): alert.json records what the node did. Call before {@link #complete}.
         */
        public Snapshot appended(AlertDetail appended) {
            if (appended != null && (alert == null || alert.id().equals(appended.id()))) {
                alert = appended;
            }
            return this;
        }

        /** Time the snapshot took on the calling thread. */
        public long costNanos() {
            return costNanos;
        }

        public int timelineEntries() {
            return timeline.size();
        }

        /** Pids whose /proc facts were read, offender first. */
        public List<Integer> pids() {
            return procs.stream().map(p -> p.pid).toList();
        }
    }

    /** Whether zstd loads on this node: once, at the first capture. */
    private static final java.util.function.Supplier<Boolean> ZSTD = new java.util.function.Supplier<>() {
        private Boolean ok;

        @Override
        public synchronized Boolean get() {
            if (ok == null) {
                ok = ChangedFiles.zstdAvailable();
            }
            return ok;
        }
    };

    private final Options options;
    private final ProcessTable processes;
    private final ContainerTimeline timeline;
    private final AlertDetail.Node node;
    private final String producer;
    private final ExecutorService background;
    private volatile Consumer<String> afterArtifact;

    /**
     * @param processes the sensor's process table (ancestry and children)
     * @param timeline  the sensor's timeline; null when there is none (a manual capture)
     * @param node      this node, named in the manifest and the incident id
     */
    public EvidenceCapture(Options options, ProcessTable processes, ContainerTimeline timeline, AlertDetail.Node node) {
        this.options = options;
        this.processes = processes;
        this.timeline = timeline;
        this.node = node;
        this.producer = "bulwark-sensor/" + AlertFactory.VERSION + "@" + node.hostname();
        this.background = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bulwark-evidence");
            t.setDaemon(true);
            return t;
        });
        warmUp();
    }

    /**
     * One snapshot of the sensor's own process, thrown away: the first real one then finds the
     * classes it needs loaded and its code interpreted once (the first snapshot cost 20+ ms cold).
     */
    private void warmUp() {
        try {
            Snapshot s = take("warm-up", null, null, (int) ProcessHandle.current().pid(), "warm-up", 0);
            s.procs.forEach(ProcFacts::closeExe);
            ContainerTimeline.Entry e = new ContainerTimeline.Entry(0, 0, 1, null, null);
            e.isAlert();
        } catch (RuntimeException e) {
            LOG.debugf("evidence warm-up: %s", e);
        }
    }

    public Options options() {
        return options;
    }

    /** Called with each artifact's name once it is complete on disk (tests watch the manifest come last). */
    public void afterEachArtifact(Consumer<String> listener) {
        this.afterArtifact = listener;
    }

    /** The incident id of an alert: the node's ({@code sensor.incident}) or a stable one derived from the alert. */
    public static String incidentOf(AlertDetail alert) {
        if (alert.sensor() != null && alert.sensor().incident() != null && !alert.sensor().incident().isBlank()) {
            return alert.sensor().incident();
        }
        return StableId.of("incident", alert.node() == null ? null : alert.node().hostname(),
                alert.container() == null ? ContainerTimeline.HOST : alert.container().id(), alert.id());
    }

    // ------------------------------------------------------------------ part 1: on the decoder thread

    /**
     * The volatile part of the evidence for {@code alert}, taken now on the calling thread (the
     * decoder, before the freeze). The alert is also kept in the timeline. Never throws for a
     * vanished process or an unreadable file: what could not be read is noted.
     */
    public Snapshot snapshot(AlertDetail alert) {
        long t0 = System.nanoTime();
        if (timeline != null) {
            timeline.alert(alert);
        }
        int pid = alert.process() == null ? -1 : alert.process().pid();
        Snapshot s = take(incidentOf(alert), alert, alert.container(), pid, "alert " + alert.id() + " (" + alert.rule() + ")",
                nanosOf(alert.time()));
        s.costNanos = System.nanoTime() - t0;
        return s;
    }

    /** A capture asked for by hand ({@code bulwark evidence capture}): no alert, the container's init as the process. */
    public Snapshot snapshot(ContainerInfo container, String reason) {
        long t0 = System.nanoTime();
        long now = System.currentTimeMillis() * 1_000_000L;
        String incident = StableId.of("manual-capture", node.hostname(), container.id(), now);
        Snapshot s = take(incident, null, container, container.pid(), reason, now);
        s.costNanos = System.nanoTime() - t0;
        return s;
    }

    private Snapshot take(String incident, AlertDetail alert, ContainerInfo container, int pid, String reason, long alertTimeNs) {
        Instant takenAt = Instant.now();
        String key = container == null ? ContainerTimeline.HOST : container.id();
        List<ContainerTimeline.Entry> history;
        String note;
        if (timeline == null || !timeline.enabled()) {
            history = List.of();
            note = "no timeline: " + (timeline == null ? "captured outside the sensor" : "the sensor keeps none");
        } else {
            history = timeline.copy(key, takenAt.getEpochSecond() * 1_000_000_000L + takenAt.getNano());
            note = null;
        }
        Set<Integer> inContainer = container == null ? Set.of() : cgroupProcs(container);
        Map<Integer, List<String>> roles = new LinkedHashMap<>();
        List<Integer> ancestry = new ArrayList<>();
        if (pid > 0) {
            role(roles, pid, "offender");
            int p = pid;
            for (int i = 0; i < 32; i++) {
                ProcessTable.Proc proc = processes.get(p);
                if (proc == null || proc.ppid() <= 0 || proc.ppid() == p) {
                    break;
                }
                p = proc.ppid();
                ancestry.add(p);
                role(roles, p, "ancestor");
            }
            ArrayDeque<Integer> queue = new ArrayDeque<>(List.of(pid));
            int found = 0;
            while (!queue.isEmpty() && found < 256) {
                for (ProcessTable.Proc child : processes.children(queue.poll())) {
                    if (!roles.containsKey(child.pid()) || !roles.get(child.pid()).contains("descendant")) {
                        role(roles, child.pid(), "descendant");
                        queue.add(child.pid());
                        found++;
                    }
                }
            }
        }
        if (container != null && container.pid() > 0) {
            role(roles, container.pid(), "container-init");
        }
        for (int c : inContainer) {
            role(roles, c, "container");
        }
        // the processes whose /proc facts are read: offender, its descendants, its ancestors inside the
        // container (on the host: the nearest three), the container's init; then the container's others
        List<Integer> involved = new ArrayList<>();
        Set<Integer> picked = new LinkedHashSet<>();
        if (pid > 0) {
            picked.add(pid);
        }
        roles.forEach((p, r) -> {
            if (r.contains("descendant")) {
                picked.add(p);
            }
        });
        for (int i = 0; i < ancestry.size(); i++) {
            int a = ancestry.get(i);
            if (container == null ? i < 3 : inContainer.contains(a)) {
                picked.add(a);
            }
        }
        if (container != null && container.pid() > 0) {
            picked.add(container.pid());
        }
        picked.addAll(inContainer);
        for (int p : picked) {
            if (involved.size() >= options.maxProcesses()) {
                break;
            }
            involved.add(p);
        }
        List<ProcFacts> facts = new ArrayList<>();
        for (int p : involved) {
            facts.add(ProcFacts.read(options.proc(), p, roles.getOrDefault(p, List.of())));
        }
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("offender", pid > 0 ? pid : null);
        tree.put("container_init", container == null ? null : container.pid());
        tree.put("ancestry", ancestry);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Map.Entry<Integer, List<String>> e : roles.entrySet()) {
            list.add(describe(e.getKey(), e.getValue(), inContainer.contains(e.getKey())));
        }
        tree.put("processes", list);
        tree.put("facts_read_for", involved);
        if (picked.size() > involved.size()) {
            tree.put("facts_not_read_for", picked.stream().skip(involved.size()).toList());
        }
        return new Snapshot(incident, alert, container, reason, takenAt, alertTimeNs, history, note, tree, facts);
    }

    private static void role(Map<Integer, List<String>> roles, int pid, String role) {
        List<String> r = roles.computeIfAbsent(pid, k -> new ArrayList<>(2));
        if (!r.contains(role)) {
            r.add(role);
        }
    }

    private Map<String, Object> describe(int pid, List<String> roles, boolean inContainer) {
        Map<String, Object> m = new LinkedHashMap<>();
        ProcessTable.Proc p = processes.get(pid);
        m.put("pid", pid);
        m.put("ppid", p == null ? null : p.ppid());
        m.put("comm", p == null ? null : p.comm());
        m.put("exe", p == null ? null : p.exe());
        m.put("argv", p == null ? null : Redactor.argv(p.args()));
        m.put("runtime_work", p != null && p.runtimeWork());
        m.put("exe_upper_layer", p != null && p.exeUpperLayer());
        m.put("in_container", inContainer);
        m.put("exited", p == null || processes.exited(pid));
        m.put("roles", List.copyOf(roles));
        return m;
    }

    /** Pids in the container's cgroup (cgroup v2 {@code cgroup.procs}; v1 freezer/pids/cpu as fallback). */
    private Set<Integer> cgroupProcs(ContainerInfo c) {
        Set<Integer> out = new LinkedHashSet<>();
        if (c.cgroupPath() == null) {
            return out;
        }
        String rel = c.cgroupPath().replaceFirst("^/+", "");
        List<Path> candidates = new ArrayList<>();
        Path v2 = CgroupLayout.detect(Path.of("/sys/fs/cgroup")).v2Root();
        if (v2 != null) {
            candidates.add(v2.resolve(rel).resolve("cgroup.procs"));
        }
        for (String v1 : List.of("pids", "freezer", "cpu,cpuacct", "memory")) {
            candidates.add(Path.of("/sys/fs/cgroup", v1, rel, "cgroup.procs"));
        }
        for (Path f : candidates) {
            try {
                for (String line : Files.readAllLines(f)) {
                    if (!line.isBlank()) {
                        out.add(Integer.parseInt(line.strip()));
                    }
                }
                return out;
            } catch (IOException | RuntimeException e) {
                // the next hierarchy
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ part 2: in the background

    /** {@link #complete(Snapshot, java.util.concurrent.Executor)} on this capture's own background thread. */
    public CompletionStage<Path> complete(Snapshot s) {
        return complete(s, background);
    }

    /**
     * The rest of the capture, on {@code executor}: the snapshot written out, then what is read from
     * the (frozen) container and the host, then the manifest. Completes with the capture's directory
     * (its manifest.json exists then), or exceptionally when the directory could not be made.
     */
    public CompletionStage<Path> complete(Snapshot s, java.util.concurrent.Executor executor) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return write(s);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("evidence of incident " + s.incident + ": " + e.getMessage(), e);
            } finally {
                s.procs.forEach(ProcFacts::closeExe);
            }
        }, executor);
    }

    private Path write(Snapshot s) throws IOException {
        Instant started = Instant.now();
        ArtifactDir dir = ArtifactDir.create(options.spool(), s.incident, afterArtifact);
        String label = s.incident + (dir.path().getFileName().toString().startsWith("capture-") ? "/" + dir.path().getFileName() : "");
        LOG.infof("evidence %s: capture started in %s (snapshot took %.2f ms)", label, dir.path(), s.costNanos / 1e6);
        List<String> errors = new ArrayList<>();
        Map<String, Object> notes = new LinkedHashMap<>();
        String snap = producer + " evidence.snapshot";
        String bg = producer + " evidence.complete";

        step(errors, "alert", () -> {
            if (s.alert != null) {
                dir.json("alert.json", s.alert, snap, s.takenAt);
            }
        });
        step(errors, "container", () -> {
            if (s.container != null) {
                dir.json("container.json", s.container, snap, s.takenAt);
            }
        });
        step(errors, "timeline", () -> writeTimeline(dir, s, snap));
        notes.put("timeline", s.timelineNote != null ? s.timelineNote
                : s.timeline.size() + " entries, from " + (s.timeline.isEmpty() ? "-" : iso(s.timeline.get(0).time()))
                        + "; the sensor keeps " + timeline.limits().eventsPerContainer() + " events or "
                        + timeline.limits().maxAgeNs() / 1_000_000_000L + " s a container");
        step(errors, "process tree", () -> dir.json("process-tree.json", s.processTree, snap, s.takenAt));
        Map<String, String> hashes = hashExecutables(s, errors);
        for (ProcFacts f : s.procs) {
            step(errors, "proc " + f.pid, () -> writeProc(dir, f, hashes, snap, s.takenAt));
        }
        step(errors, "runtime config", () -> writeRuntime(dir, s, bg, notes));
        step(errors, "changed files", () -> writeChangedFiles(dir, s, bg, notes, label));
        step(errors, "network", () -> writeNetwork(dir, s, bg));
        boolean[] auditd = {false};
        step(errors, "host processes", () -> auditd[0] = writeHostProcesses(dir, s, bg));
        step(errors, "audit", () -> writeAudit(dir, s, bg, auditd[0], notes));

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format", FORMAT);
        manifest.put("incident", s.incident);
        manifest.put("part", dir.path().getFileName().toString().startsWith("capture-") ? dir.path().getFileName().toString() : "node");
        manifest.put("node", node);
        manifest.put("container", s.container == null ? null : containerSummary(s.container));
        manifest.put("alerts", s.alert == null ? List.of() : List.of(alertSummary(s.alert)));
        manifest.put("reason", s.reason);
        manifest.put("snapshot_taken", s.takenAt.toString());
        manifest.put("snapshot_ms", s.costNanos / 1e6);
        manifest.put("capture_started", started.toString());
        manifest.put("capture_finished", Instant.now().toString());
        manifest.put("captured_by", Map.of("producer", producer, "pid", ProcessHandle.current().pid(), "uid",
                uid(), "host", node.hostname()));
        manifest.put("notes", notes);
        manifest.put("errors", errors);
        Path m = dir.writeManifest(manifest);
        LOG.infof("evidence %s: complete, %d artifacts, manifest %s", label, dir.artifacts().size(), m);
        return dir.path();
    }

    private interface Step {
        void run() throws IOException;
    }

    private static void step(List<String> errors, String what, Step step) {
        try {
            step.run();
        } catch (IOException | RuntimeException e) {
            errors.add(what + ": " + e);
            LOG.warnf("evidence: %s failed: %s", what, e.toString());
        }
    }

    private static Map<String, Object> containerSummary(ContainerInfo c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("name", c.name());
        m.put("runtime", c.runtime());
        m.put("image", c.image());
        m.put("pid", c.pid());
        m.put("bundle", c.bundle());
        m.put("rootfs", c.rootfs());
        m.put("cgroup_path", c.cgroupPath());
        m.put("k8s", c.k8s());
        return m;
    }

    private static Map<String, Object> alertSummary(AlertDetail a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("time", a.time());
        m.put("rule", a.rule());
        m.put("priority", a.priority());
        m.put("vector", a.vector());
        return m;
    }

    private static long uid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    // ------------------------------------------------------------------ the artifacts

    private void writeTimeline(ArtifactDir dir, Snapshot s, String snap) throws IOException {
        try (ArtifactDir.Artifact a = dir.open("timeline.jsonl", "application/x-ndjson", snap, s.takenAt)) {
            for (ContainerTimeline.Entry e : s.timeline) {
                a.write(Json.mapper().writeValueAsBytes(timelineLine(e)));
                a.write('\n');
            }
        }
    }

    static Map<String, Object> timelineLine(ContainerTimeline.Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", iso(e.time()));
        m.put("time_ns", e.time());
        if (e.isAlert()) {
            AlertDetail a = e.alert();
            m.put("kind", "alert");
            m.put("alert", alertSummary(a));
            m.put("pid", a.process() == null ? null : a.process().pid());
            m.put("output", a.output());
            return m;
        }
        SensorEvent ev = e.event();
        m.put("kind", "event");
        if (e.count() > 1) {
            m.put("count", e.count());
            m.put("last_time", iso(e.lastTime()));
        }
        m.put("syscall", ev.syscall().name());
        m.put("args", redactArgs(ev.syscall().args()));
        m.put("result", ev.syscall().result());
        m.put("errno", ev.syscall().errno());
        var p = ev.process();
        m.put("pid", p.pid());
        m.put("tid", p.tid());
        m.put("ppid", p.ppid());
        m.put("vpid", p.vpid());
        m.put("uid", p.uid());
        m.put("comm", p.comm());
        m.put("exe", p.exe());
        m.put("argv", Redactor.argv(p.args()));
        m.put("cap_effective", Long.toHexString(p.capEffective()));
        m.put("runtime_work", p.runtimeWork());
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> redactArgs(Map<String, Object> args) {
        if (args == null || !(args.get("argv") instanceof List<?>)) {
            return args;
        }
        Map<String, Object> m = new LinkedHashMap<>(args);
        m.put("argv", Redactor.argv((List<String>) args.get("argv")));
        return m;
    }

    static String iso(long ns) {
        return Instant.ofEpochSecond(0, ns).toString();
    }

    private static long nanosOf(String iso) {
        try {
            Instant t = Instant.parse(iso);
            return t.getEpochSecond() * 1_000_000_000L + t.getNano();
        } catch (RuntimeException e) {
            return System.currentTimeMillis() * 1_000_000L;
        }
    }

    /** SHA-256 of every distinct executable (by device and inode), from the files the snapshot opened. */
    private Map<String, String> hashExecutables(Snapshot s, List<String> errors) {
        Map<String, String> out = new HashMap<>();
        for (ProcFacts f : s.procs) {
            if (f.exeChannel == null || f.exeIdentity == null || out.containsKey(f.exeIdentity)) {
                continue;
            }
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                ByteBuffer buf = ByteBuffer.allocate(1 << 16);
                long pos = 0;
                int n;
                while ((n = f.exeChannel.read(buf, pos)) > 0) {
                    buf.flip();
                    sha.update(buf);
                    buf.clear();
                    pos += n;
                }
                out.put(f.exeIdentity, HexFormat.of().formatHex(sha.digest()));
            } catch (IOException | NoSuchAlgorithmException e) {
                errors.add("exe hash of " + f.pid + ": " + e.getMessage());
            }
        }
        return out;
    }

    private void writeProc(ArtifactDir dir, ProcFacts f, Map<String, String> hashes, String producer, Instant at) throws IOException {
        String base = "proc/" + f.pid + "/";
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("pid", f.pid);
        facts.put("roles", f.roles);
        facts.put("gone", f.gone);
        facts.put("exe", f.exe);
        facts.put("exe_sha256", f.exeIdentity == null ? null : hashes.get(f.exeIdentity));
        facts.putAll(f.summary);
        facts.put("cmdline", f.argv);
        facts.put("environ", f.environ);
        facts.put("environ_redaction", "values of secret-looking names and key-looking values replaced by " + Redactor.MARK);
        facts.put("fds", f.fds);
        facts.put("errors", f.errors);
        dir.json(base + "facts.json", facts, producer, at);
        for (Map.Entry<String, byte[]> raw : f.raw.entrySet()) {
            dir.bytes(base + raw.getKey(), raw.getValue(), "text/plain", producer, at);
        }
    }

    /** The container's OCI config.json, with the process environment redacted (it holds the same secrets). */
    private void writeRuntime(ArtifactDir dir, Snapshot s, String producer, Map<String, Object> notes) throws IOException {
        if (s.container == null || s.container.bundle() == null) {
            notes.put("runtime", "no container bundle");
            return;
        }
        Path config = Path.of(s.container.bundle(), "config.json");
        if (!Files.isRegularFile(config)) {
            notes.put("runtime", "no " + config);
            return;
        }
        com.fasterxml.jackson.databind.JsonNode json = Json.mapper().readTree(config.toFile());
        if (json.path("process").path("env") instanceof com.fasterxml.jackson.databind.node.ArrayNode env) {
            for (int i = 0; i < env.size(); i++) {
                env.set(i, Redactor.environ(env.get(i).asText()));
            }
        }
        dir.json("runtime/config.json", json, producer, Instant.now());
        notes.put("runtime", "OCI config from " + config + " (process.env redacted)");
    }

    private void writeChangedFiles(ArtifactDir dir, Snapshot s, String producer, Map<String, Object> notes, String label) throws IOException {
        if (s.container == null) {
            notes.put("changed_files", "host alert: no container root");
            return;
        }
        Instant at = Instant.now();
        RootMount root = RootMount.of(options.proc(), s.container.pid());
        Path walk;
        String method;
        long since = Long.MIN_VALUE;
        if (root != null && root.upperDir() != null) {
            walk = Path.of(root.upperDir());
            method = "overlay-upper";
        } else {
            String rootfs = s.container.rootfs();
            if (rootfs == null || !Files.isDirectory(Path.of(rootfs))) {
                notes.put("changed_files", "no root directory on the host (" + rootfs + ")");
                return;
            }
            walk = Path.of(rootfs);
            long start = startNs(options.proc(), s.container.pid());
            if (start > 0) {
                since = start;
                method = "mtime-since-start";
            } else {
                method = "all-files (the container's start time is unknown)";
            }
        }
        ChangedFiles.Result r;
        boolean zstd = ZSTD.get();
        try (ArtifactDir.Artifact a = dir.open(zstd ? "changed-files.tar.zst" : "changed-files.tar.gz", zstd ? "application/zstd" : "application/gzip",
                producer, at)) {
            r = ChangedFiles.write(walk, method, since, options.maxTarBytes(), a, label, zstd ? ChangedFiles.ZSTD : ChangedFiles.ADAPTIVE);
        }
        Map<String, Object> idx = new LinkedHashMap<>();
        idx.put("method", r.method());
        idx.put("compression", zstd ? "zstd level 1" : "gzip level 1 (stored where incompressible)");
        idx.put("root", r.root());
        idx.put("root_fs", root == null ? null : root.fsType());
        idx.put("since", r.since());
        idx.put("files", r.files());
        idx.put("directories", r.dirs());
        idx.put("raw_bytes", r.rawBytes());
        idx.put("tar_bytes", r.tarBytes());
        idx.put("max_tar_bytes", options.maxTarBytes());
        idx.put("truncated", r.truncated());
        idx.put("skipped_files", r.skippedFiles());
        idx.put("skipped_bytes", r.skippedBytes());
        if (r.method().startsWith("overlay")) {
            idx.put("overlay_whiteouts", r.whiteouts());
            idx.put("overlay_opaque_dirs", r.opaqueDirs());
            if (!Xattrs.available()) {
                r.errors().add("lgetxattr unavailable: opaque directories not detected");
            }
        }
        idx.put("mounts", containerMounts(options.proc(), s.container.pid()));
        idx.put("errors", r.errors());
        idx.put("entries", r.index());
        dir.json("changed-files.json", idx, producer, at);
        Map<String, Object> note = new LinkedHashMap<>(idx);
        note.remove("entries");
        note.remove("errors");
        notes.put("changed_files", note);
    }

    /** Pseudo file systems a container always has: not evidence of a change. */
    private static final java.util.Set<String> PSEUDO_FS = java.util.Set.of("proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "securityfs",
            "debugfs", "tracefs", "bpf", "pstore", "hugetlbfs", "binfmt_misc", "configfs", "fusectl", "nsfs", "autofs");

    /**
     * The container's mounts below its root (its init's mountinfo): volumes, bind mounts, tmpfs. They are
     * other file systems, so the changed-files tar does not hold them (the walk stays on the root's file
     * system); they are listed so a responder knows where else the container could write. Pseudo file
     * systems (proc, sysfs, cgroup, devpts, mqueue …) are counted, not listed.
     */
    static Map<String, Object> containerMounts(Path proc, int pid) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> list = new ArrayList<>();
        int pseudo = 0;
        try {
            for (String line : Files.readAllLines(proc.resolve(pid + "/mountinfo"))) {
                String[] f = line.split(" ");
                int dash = java.util.Arrays.asList(f).indexOf("-");
                if (f.length < 6 || dash < 0 || dash + 3 >= f.length || "/".equals(f[4])) {
                    continue;
                }
                String type = f[dash + 1];
                if (PSEUDO_FS.contains(type)) {
                    pseudo++;
                    continue;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("mount_point", unescape(f[4]));
                m.put("fs_type", type);
                m.put("source", unescape(f[dash + 2]));
                m.put("root", unescape(f[3]));
                m.put("writable", java.util.Arrays.asList(f[5].split(",")).contains("rw"));
                m.put("captured", false);
                m.put("reason", "another file system mounted into the container: listed, not in the changed-files tar");
                list.add(m);
            }
        } catch (IOException | RuntimeException e) {
            out.put("error", "/proc/" + pid + "/mountinfo: " + e.getMessage());
        }
        out.put("listed", list);
        out.put("pseudo_file_systems", pseudo);
        return out;
    }

    /** mountinfo's octal escapes (\040 for a space …). */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    /** The root mount of a process's mount namespace: file system type and, for an overlay, its upper directory. */
    record RootMount(String fsType, String upperDir) {
        static RootMount of(Path proc, int pid) {
            if (pid <= 0) {
                return null;
            }
            try {
                for (String line : Files.readAllLines(proc.resolve(pid + "/mountinfo"))) {
                    String[] f = line.split(" ");
                    int dash = java.util.Arrays.asList(f).indexOf("-");
                    if (f.length < 5 || !"/".equals(f[4]) || dash < 0 || dash + 3 >= f.length) {
                        continue;
                    }
                    String upper = null;
                    if ("overlay".equals(f[dash + 1])) {
                        for (String opt : f[dash + 3].split(",")) {
                            if (opt.startsWith("upperdir=")) {
                                upper = opt.substring("upperdir=".length());
                            }
                        }
                    }
                    return new RootMount(f[dash + 1], upper);
                }
            } catch (IOException | RuntimeException e) {
                return null;
            }
            return null;
        }
    }

    /** Start time of a process (ns since the epoch) from its stat and the boot time; -1 when gone. */
    static long startNs(Path proc, int pid) {
        try {
            String stat = Files.readString(proc.resolve(pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[19]);
            return bootNs(proc) + ticks * (1_000_000_000L / CLK_TCK);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Boot time in ns since the epoch, from {@code /proc/uptime} (10 ms resolution; the kernel counts
     * process start times on the same boot clock). {@code btime} in /proc/stat is whole seconds: up
     * to a second off, enough to take an image's files copied just before the start for changes.
     */
    static long bootNs(Path proc) throws IOException {
        String up = Files.readString(proc.resolve("uptime")).strip();
        long now = System.currentTimeMillis() * 1_000_000L;
        return now - new java.math.BigDecimal(up.substring(0, up.indexOf(' '))).movePointRight(9).longValue();
    }

    private void writeNetwork(ArtifactDir dir, Snapshot s, String producer) throws IOException {
        int pid = s.container != null ? s.container.pid() : s.alert != null && s.alert.process() != null ? s.alert.process().pid() : -1;
        if (pid <= 0) {
            return;
        }
        Instant at = Instant.now();
        Map<Long, String> owners = new HashMap<>();
        for (ProcFacts f : s.procs) {
            f.sockets().forEach((inode, fd) -> owners.merge(inode, f.pid + "/fd/" + fd, (a, b) -> a + "," + b));
        }
        List<Map<String, Object>> all = new ArrayList<>();
        Map<String, String> problems = new LinkedHashMap<>();
        for (String proto : List.of("tcp", "tcp6", "udp", "udp6", "unix")) {
            Path table = options.proc().resolve(pid + "/net/" + proto);
            String text;
            try {
                text = Files.readString(table);
            } catch (IOException e) {
                problems.put(proto, e.toString());
                continue;
            }
            dir.bytes("net/" + proto, text.getBytes(StandardCharsets.UTF_8), "text/plain", producer, at);
            List<Map<String, Object>> rows = proto.equals("unix") ? NetConnections.unix(text) : NetConnections.inet(proto, text);
            for (Map<String, Object> row : rows) {
                row.put("owner", owners.get((Long) row.get("inode")));
            }
            all.addAll(rows);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("network_namespace_of", pid);
        out.put("connections", all);
        out.put("unreadable", problems);
        dir.json("net/connections.json", out, producer, at);
    }

    /** Host processes (the host's pid namespace) started since the attempt; returns whether auditd runs. */
    private boolean writeHostProcesses(ArtifactDir dir, Snapshot s, String producer) throws IOException {
        Instant at = Instant.now();
        Path proc = options.proc();
        String hostPidNs = Files.readSymbolicLink(proc.resolve("self/ns/pid")).toString();
        long boot = bootNs(proc);
        long from = s.alertTimeNs - options.hostProcessMarginNs();
        long self = ProcessHandle.current().pid();
        boolean auditd = false;
        List<Map<String, Object>> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : ds) {
                int pid = Integer.parseInt(p.getFileName().toString());
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    int close = stat.lastIndexOf(')');
                    String comm = stat.substring(stat.indexOf('(') + 1, close);
                    if (comm.equals("auditd")) {
                        auditd = true;
                    }
                    String[] f = stat.substring(close + 2).split(" ");
                    long start = boot + Long.parseLong(f[19]) * (1_000_000_000L / CLK_TCK);
                    if (start < from || pid == self) {
                        continue;
                    }
                    if (!Files.readSymbolicLink(p.resolve("ns/pid")).toString().equals(hostPidNs)) {
                        continue;
                    }
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("pid", pid);
                    m.put("ppid", Integer.parseInt(f[1]));
                    m.put("comm", comm);
                    m.put("started", iso(start));
                    m.put("exe", readLink(p.resolve("exe")));
                    byte[] cmd = Files.readAllBytes(p.resolve("cmdline"));
                    m.put("cmdline", Redactor.argv(ProcessTable.splitNul(cmd, cmd.length)));
                    m.put("cgroup", cgroupLine(p));
                    m.put("mnt_ns", readLink(p.resolve("ns/mnt")));
                    found.add(m);
                } catch (IOException | RuntimeException e) {
                    // exited while read
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("since", iso(from));
        out.put("margin_seconds", options.hostProcessMarginNs() / 1e9);
        out.put("host_pid_namespace", hostPidNs);
        out.put("processes", found);
        dir.json("host/processes-since-attempt.json", out, producer, at);
        return auditd;
    }

    private static String readLink(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String cgroupLine(Path procDir) throws IOException {
        for (String line : Files.readAllLines(procDir.resolve("cgroup"))) {
            if (line.startsWith("0::")) {
                return line.substring(3);
            }
        }
        return null;
    }

    /** Audit records in the window [alert - margin, now], when auditd runs; otherwise a note that says why not. */
    private void writeAudit(ArtifactDir dir, Snapshot s, String producer, boolean auditd, Map<String, Object> notes) throws IOException {
        if (!auditd) {
            notes.put("audit", "auditd not running");
            return;
        }
        Path log = options.auditLog();
        if (!Files.isReadable(log)) {
            notes.put("audit", "auditd running but " + log + " is not readable");
            return;
        }
        long from = s.alertTimeNs - options.hostProcessMarginNs();
        long to = System.currentTimeMillis() * 1_000_000L;
        int lines = 0;
        List<Path> files = auditLogFiles(log, from);
        try (ArtifactDir.Artifact a = dir.open("audit/audit.log", "text/plain", producer, Instant.now())) {
            for (Path f : files) {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(f), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        long t = auditTimeNs(line);
                        if (t >= from && t <= to) {
                            a.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                            lines++;
                        }
                    }
                }
            }
        }
        notes.put("audit", lines + " records of " + (files.size() == 1 ? log : files.get(0) + " and " + log) + " from " + iso(from) + " to " + iso(to));
    }

    /**
     * The log files that may hold records from {@code fromNs} on, oldest first: auditd's rotated predecessor
     * ({@code LOG.1}) when it was last written at or after the window's start (auditd rotated during the window),
     * then the log itself.
     */
    static List<Path> auditLogFiles(Path log, long fromNs) {
        Path rotated = log.resolveSibling(log.getFileName() + ".1");
        try {
            if (Files.isReadable(rotated) && Files.getLastModifiedTime(rotated).to(java.util.concurrent.TimeUnit.NANOSECONDS) >= fromNs) {
                return List.of(rotated, log);
            }
        } catch (IOException e) {
            // unreadable: the current log only
        }
        return List.of(log);
    }

    /** Time of an audit record ({@code msg=audit(1733550000.123:42)}), or -1. */
    static long auditTimeNs(String line) {
        int i = line.indexOf("msg=audit(");
        if (i < 0) {
            return -1;
        }
        int colon = line.indexOf(':', i);
        if (colon < 0) {
            return -1;
        }
        try {
            return new java.math.BigDecimal(line.substring(i + 10, colon)).movePointRight(9).longValue();
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Snapshot and complete in one call, waiting for the manifest (the CLI's manual capture). */
    public Path captureNow(ContainerInfo container, String reason) {
        Snapshot s = snapshot(container, reason);
        return complete(s).toCompletableFuture().join();
    }

    @Override
    public void close() {
        background.shutdown();
        try {
            if (!background.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)) {
                LOG.warn("evidence: captures still running at stop were abandoned");
                background.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
