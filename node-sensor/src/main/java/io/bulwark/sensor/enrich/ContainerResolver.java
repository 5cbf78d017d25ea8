package io.bulwark.sensor.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The containers on this node, from the runtimes' own state files: runc, crun, containerd (with
 * Kubernetes CRI annotations), CRI-O, Docker and Podman. Answers "which container is cgroup id N"
 * for the event path and "what is every container's configuration" for the audit.
 *
 * <p>Thread-safe: lookups read an immutable snapshot; {@link #refresh()} builds the next one
 * (serialised), re-parsing only files whose modification time or size changed. Call it on every
 * {@code cgroup_mkdir} and periodically. A state file that cannot be read or parsed is skipped
 * with a warning naming it ({@link #warnings()}); the resolver never fails because of one.
 *
 * <p>See docs/containers.md for the layout of each runtime.
 */
public final class ContainerResolver implements ContainerLookup {
    private static final Logger LOG = Logger.getLogger(ContainerResolver.class);

    /** Namespace types reported in {@link ContainerInfo#hostNamespaces()}, in this order. */
    static final List<String> NAMESPACES = List.of("pid", "network", "ipc", "uts", "mount", "user", "cgroup");

    /** Readers in priority order: an id found by an earlier reader is not taken from a later one. */
    private static final List<RuntimeReader> READERS = List.of(new DockerReader(), new ContainerdReader(),
            new RuncReader(), new CrunReader());

    /** Least time between two refreshes triggered by {@link #resolve} misses. */
    private static final long MISS_REFRESH_NANOS = 200_000_000L;

    private record Snapshot(Map<String, ContainerInfo> byId, Map<Long, ContainerInfo> byCgroup, List<String> warnings) {}

    private record Cached(FileTime mtime, long size, JsonNode json) {}

    private final StateRoots roots;
    private final Proc proc;
    private final CgroupLayout cgroups;
    private final List<String> hostBoundingCaps = Proc.hostBoundingCaps();
    private final Map<Path, Cached> jsonCache = new HashMap<>();
    private final Set<String> logged = new HashSet<>();
    private volatile Snapshot snapshot = new Snapshot(Collections.unmodifiableMap(new LinkedHashMap<>()), Collections.unmodifiableMap(new HashMap<>()), List.of());
    /** Containers every refresh adds to what the runtimes' state shows: only the JIT warm-up's synthetic one. */
    private final Map<Long, ContainerInfo> pinned = new HashMap<>();
    private volatile long lastRefresh;

    /** Reads the standard locations on this node. Call {@link #refresh()} before the first lookup. */
    public ContainerResolver() {
        this(StateRoots.defaults());
    }

    public ContainerResolver(StateRoots roots) {
        this.roots = roots;
        this.proc = new Proc(roots.proc());
        this.cgroups = CgroupLayout.detect(roots.cgroup());
    }

    /**
     * For the JIT warm-up ({@code io.bulwark.sensor.WarmUp}): a resolver over {@code roots} that also
     * knows one synthetic container at {@code cgroupId}, so that the lookups the decoder compiles see
     * containers found as well as containers missed, as on a real node. Never used for real events.
     */
    public static ContainerResolver withSyntheticContainer(StateRoots roots, long cgroupId, ContainerInfo info) {
        ContainerResolver r = new ContainerResolver(roots);
        r.pinned.put(cgroupId, info);
        r.refresh();
        return r;
    }

    public StateRoots roots() {
        return roots;
    }

    public CgroupLayout cgroupLayout() {
        return cgroups;
    }

    /** Re-reads every runtime's state. Cheap when nothing changed (a directory listing and a stat per file). */
    public synchronized void refresh() {
        List<String> warnings = new ArrayList<>();
        Set<Path> touched = new HashSet<>();
        RuntimeReader.ReadContext ctx = new RuntimeReader.ReadContext() {
            @Override
            public StateRoots roots() {
                return roots;
            }

            @Override
            public JsonNode json(Path file) {
                touched.add(file);
                return readJson(file, this);
            }

            @Override
            public void warn(Path file, String reason) {
                String message = file + ": " + reason;
                warnings.add(message);
                if (logged.add(message)) {
                    LOG.warnf("skipping container state %s", message);
                }
            }
        };
        Map<String, ContainerInfo> byId = new LinkedHashMap<>();
        Map<Long, ContainerInfo> byCgroup = new HashMap<>();
        for (RuntimeReader reader : READERS) {
            try {
                reader.read(ctx, found -> {
                    if (byId.containsKey(found.id())) {
                        return;
                    }
                    try {
                        ContainerInfo info = assemble(found);
                        byId.put(info.id(), info);
                        long id = cgroups.idOf(info.cgroupPath());
                        if (id > 0 && !"stopped".equals(info.status())) {
                            byCgroup.put(id, info);
                        }
                    } catch (RuntimeException e) {
                        ctx.warn(found.stateFile(), "cannot interpret: " + e);
                    }
                });
            } catch (RuntimeException e) {
                // a reader bug must not blind the others
                warnings.add(reader.describe(roots) + ": " + e);
                LOG.warnf(e, "reading %s failed", reader.describe(roots));
            }
        }
        jsonCache.keySet().retainAll(touched);
        for (Map.Entry<Long, ContainerInfo> p : pinned.entrySet()) {
            byId.putIfAbsent(p.getValue().id(), p.getValue());
            byCgroup.putIfAbsent(p.getKey(), p.getValue());
        }
        // The maps are fresh and never changed again; wrapped rather than copied so that their class does
        // not depend on their size (Map.copyOf gives a different class for 0, 1 and more entries, and the
        // decoder's compiled lookup was thrown away when a node's first container appeared after the
        // JIT warm-up had compiled it over an empty map).
        snapshot = new Snapshot(Collections.unmodifiableMap(byId), Collections.unmodifiableMap(byCgroup), List.copyOf(warnings));
        lastRefresh = System.nanoTime();
    }

    /** Every container found by the last refresh, running or not, sorted by runtime then name. */
    public List<ContainerInfo> all() {
        List<ContainerInfo> list = new ArrayList<>(snapshot.byId().values());
        list.sort(Comparator.comparing(ContainerInfo::runtime).thenComparing(ContainerInfo::name)
                .thenComparing(ContainerInfo::id));
        return list;
    }

    /** A container by full id, or by a unique id prefix (as {@code docker ps} shows them). */
    public Optional<ContainerInfo> byId(String id) {
        Map<String, ContainerInfo> m = snapshot.byId();
        ContainerInfo exact = m.get(id);
        if (exact != null) {
            return Optional.of(exact);
        }
        List<ContainerInfo> prefixed = m.values().stream().filter(c -> c.id().startsWith(id)).toList();
        return prefixed.size() == 1 ? Optional.of(prefixed.get(0)) : Optional.empty();
    }

    /**
     * The live container whose cgroup2 id ({@code bpf_get_current_cgroup_id()}) this is; null for
     * host processes and unknown ids. No I/O: it reads the last snapshot.
     */
    @Override
    public ContainerInfo byCgroupId(long cgroupId) {
        return snapshot.byCgroup().get(cgroupId);
    }

    /**
     * Like {@link #byCgroupId} (null for the host), but a miss triggers a refresh (at most one every 200 ms) and a
     * second look: for events from a container whose state file appeared after the last refresh.
     */
    public ContainerInfo resolve(long cgroupId) {
        ContainerInfo hit = byCgroupId(cgroupId);
        if (hit != null || System.nanoTime() - lastRefresh < MISS_REFRESH_NANOS) {
            return hit;
        }
        refresh();
        return byCgroupId(cgroupId);
    }

    /** The cgroup2 id of a container's cgroup, or -1 (stopped, or no cgroup2 on this host). */
    public long cgroupIdOf(ContainerInfo container) {
        return cgroups.idOf(container.cgroupPath());
    }

    /** Problems met by the last refresh, each naming the file: {@code /run/runc/x/state.json: bad JSON …}. */
    public List<String> warnings() {
        return snapshot.warnings();
    }

    private JsonNode readJson(Path file, RuntimeReader.ReadContext ctx) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
            Cached c = jsonCache.get(file);
            // A file modified in the last two seconds is re-read even when mtime and size match: a
            // runtime can rewrite it within one timestamp tick with the same length ("created" and
            // "running" are both seven letters), and a stale cached state would hide a container.
            boolean settled = attrs.lastModifiedTime().toMillis() < System.currentTimeMillis() - 2000;
            if (c != null && settled && c.mtime().equals(attrs.lastModifiedTime()) && c.size() == attrs.size()) {
                if (c.json() == null) {
                    ctx.warn(file, "unreadable or corrupt JSON (unchanged since last read)");
                }
                return c.json();
            }
            JsonNode json;
            try {
                json = Json.mapper().readTree(file.toFile());
                if (json == null || json.isMissingNode()) {
                    ctx.warn(file, "empty file");
                    json = null;
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                if (c != null && c.json() != null && !settled) {
                    // Caught mid-rewrite: keep the last good state rather than lose the container.
                    return c.json();
                }
                ctx.warn(file, "bad JSON at line " + e.getLocation().getLineNr() + " column "
                        + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
                json = null;
            }
            jsonCache.put(file, new Cached(attrs.lastModifiedTime(), attrs.size(), json));
            return json;
        } catch (IOException e) {
            ctx.warn(file, "cannot read: " + e);
            return null;
        }
    }

    private ContainerInfo assemble(RuntimeReader.Found f) {
        OciConfig c = f.config();
        boolean alive = proc.alive(f.pid(), f.startTime());
        String status = alive ? (f.createdOnly() ? "created" : "running") : "stopped";

        List<String> caps = alive ? proc.effectiveCaps(f.pid()) : null;
        if (caps == null) {
            caps = c.capabilities();
        }
        int uid = alive ? proc.uid(f.pid()) : -1;
        if (uid < 0) {
            uid = c.uid() < 0 ? 0 : c.uid();
        }

        String cgroupPath = alive ? proc.cgroupV2Path(f.pid()) : null;
        if (cgroupPath == null || cgroupPath.isEmpty()) {
            cgroupPath = f.cgroupPath() == null ? null
                    : cgroups.relative(f.cgroupPath().startsWith("/sys/") ? f.cgroupPath()
                            : CgroupLayout.expandCgroupsPath(f.cgroupPath()));
        }

        String rootfs = f.rootfs() != null ? f.rootfs() : c.rootfs();
        if (rootfs != null && !rootfs.startsWith("/") && f.bundle() != null) {
            rootfs = f.bundle() + "/" + rootfs;
        }

        boolean privileged = c.capabilities().containsAll(hostBoundingCaps) && c.maskedPaths().isEmpty()
                && c.allDevices();

        return new ContainerInfo(f.id(), f.name() != null ? f.name() : f.id(), f.runtime(), f.image(), f.pid(), status,
                f.bundle(), rootfs, cgroupPath, privileged, List.copyOf(caps), List.copyOf(c.mounts()),
                hostNamespaces(f.pid(), alive, c), uid, c.seccomp(), c.apparmorProfile(), c.selinuxLabel(),
                c.noNewPrivileges(), List.copyOf(c.readonlyPaths()), List.copyOf(c.maskedPaths()),
                List.copyOf(c.devices()), f.k8s(), Map.copyOf(c.annotations()), c.cwd());
    }

    /**
     * Namespaces the container shares with the host. A running container's own namespace files
     * are compared with the host's (authoritative); otherwise the config decides: a type absent from
     * its namespace list is inherited from the runtime (the host), a type with a path is the host's
     * when that path names the host's namespace.
     */
    private List<String> hostNamespaces(int pid, boolean alive, OciConfig c) {
        List<String> shared = new ArrayList<>();
        for (String type : NAMESPACES) {
            long host = proc.hostNs(type);
            long live = alive ? proc.nsInode(pid, type) : -1;
            boolean isHost;
            if (live > 0 && host > 0) {
                isHost = live == host;
            } else if (!c.namespaces().containsKey(type)) {
                isHost = true;
            } else {
                String path = c.namespaces().get(type);
                isHost = !path.isEmpty() && host > 0 && Proc.nsInode(roots.onHost(path)) == host;
            }
            if (isHost) {
                shared.add(type);
            }
        }
        return shared;
    }
}
