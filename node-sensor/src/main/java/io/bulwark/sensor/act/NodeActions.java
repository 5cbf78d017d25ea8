package io.bulwark.sensor.act;

import io.bulwark.contract.ActionRecord;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.StableId;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The node's actions (the registry: freeze, thaw, kill, stop) and the one way to run them: resolve
 * the target (container → its cgroups; process → pid, start time, cgroups), apply the guardrails,
 * act (or, in dry-run mode, say what would have been done), and write one audit record per request
 * to every audit sink, whatever the outcome.
 *
 * <p>Guardrails, checked before anything is touched, in dry-run mode too (a dry run records a
 * refusal as a refusal):
 * <ul>
 *   <li>never the host: a request without a container, a container whose cgroup is the hierarchy's
 *       root, a process in the root cgroup;</li>
 *   <li>never the sensor itself: a cgroup that is the sensor's own or contains it;</li>
 *   <li>never a protected namespace (default kube-system and bulwark): the container's Kubernetes
 *       namespace from its CRI annotations;</li>
 *   <li>a kill needs pid and start time, and a pid named with a container must be in it.</li>
 * </ul>
 *
 * <p>A freeze waits for the kernel's confirmation at most {@link #FREEZE_INLINE} on the caller's thread
 * (the decoder thread, on the fast path). Unconfirmed by then, its record says {@code requested} and a
 * background thread goes on checking, up to {@link #FREEZE_TIMEOUT} in all, then writes a second record
 * ({@code done} or {@code failed: timeout}, {@code params.confirms} = the first record's id) to the same
 * audit sinks and to the caller's listener.
 */
public final class NodeActions {
    public static final Set<String> DEFAULT_PROTECTED_NAMESPACES = Set.of("kube-system", "bulwark");
    /** How long a freeze's caller waits for the kernel's confirmation. */
    public static final Duration FREEZE_INLINE = Duration.ofMillis(20);
    /** How long a freeze's confirmation may take in all, before it is recorded as failed. */
    public static final Duration FREEZE_TIMEOUT = Duration.ofSeconds(2);

    /** One request: what, on what, why and for whom; {@code dryRun} makes this one a dry run whatever the mode. */
    public record Request(String action, ActionRecord.Target target, Map<String, Object> params, String incident,
                          String alertId, String commandId, String trigger, String requestedBy, boolean dryRun) {
        public Request(String action, ActionRecord.Target target, Map<String, Object> params, String incident,
                       String alertId, String commandId, String trigger, String requestedBy) {
            this(action, target, params, incident, alertId, commandId, trigger, requestedBy, false);
        }
    }

    private final Map<String, NodeAction> actions = new LinkedHashMap<>();
    private final CgroupLocator cgroups;
    private final Function<String, ContainerInfo> containers;
    private final Set<String> protectedNamespaces;
    private final boolean dryRun;
    private final AlertDetail.Node node;
    private final String actor;
    private final List<Consumer<ActionRecord>> audit;
    private final ContainerCgroup self;
    private final FreezeAction freeze;
    private volatile ScheduledExecutorService confirmer;

    /**
     * @param containers container by id (null when the runtimes do not know it)
     * @param audit      where every record goes (the actions file, the outbox, the console)
     */
    public NodeActions(CgroupLocator cgroups, Function<String, ContainerInfo> containers, Set<String> protectedNamespaces,
                       boolean dryRun, AlertDetail.Node node, List<Consumer<ActionRecord>> audit) {
        this(cgroups, containers, protectedNamespaces, dryRun, node, audit, FREEZE_INLINE, FREEZE_TIMEOUT);
    }

    /**
     * @param freezeInline  how long a freeze waits for the kernel on the caller's thread
     * @param freezeTimeout how long its confirmation may take in all
     */
    public NodeActions(CgroupLocator cgroups, Function<String, ContainerInfo> containers, Set<String> protectedNamespaces,
                       boolean dryRun, AlertDetail.Node node, List<Consumer<ActionRecord>> audit,
                       Duration freezeInline, Duration freezeTimeout) {
        this.cgroups = cgroups;
        this.containers = containers;
        this.protectedNamespaces = Set.copyOf(protectedNamespaces);
        this.dryRun = dryRun;
        this.node = node;
        this.actor = "bulwark-sensor@" + node.hostname();
        this.audit = List.copyOf(audit);
        long timeout = TimeUnit.SECONDS.toNanos(2);
        this.freeze = new FreezeAction(freezeInline.toNanos(), freezeTimeout.toNanos());
        for (NodeAction a : List.of(freeze, new ThawAction(timeout), new KillAction(), new StopAction(TimeUnit.SECONDS.toNanos(5)))) {
            actions.put(a.name(), a);
        }
        ContainerCgroup own;
        try {
            own = cgroups.ofPid((int) ProcessHandle.current().pid());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the sensor's own cgroup: " + e.getMessage(), e);
        }
        this.self = own;
    }

    /** The action names, in catalogue order. */
    public Set<String> names() {
        return actions.keySet();
    }

    public boolean dryRun() {
        return dryRun;
    }

    /** This node's host name (commands name the node they are for). */
    public String hostname() {
        return node.hostname();
    }

    /** Runs one request; never throws: every outcome is a record, and every record was audited. */
    public ActionRecord run(Request r) {
        return run(r, x -> { });
    }

    /**
     * Runs one request like {@link #run(Request)}; when a freeze comes back {@code requested}, {@code confirmed} gets
     * the second record (done or failed) from the background thread once it is known (after it was audited).
     */
    public ActionRecord run(Request r, Consumer<ActionRecord> confirmed) {
        long t0 = System.nanoTime();
        FreezeAction.Pending pending = null;
        ActionRecord.Target t = r.target() == null ? new ActionRecord.Target(null, null, null, null, null, null) : r.target();
        Map<String, Object> facts = new LinkedHashMap<>(r.params() == null ? Map.of() : r.params());
        String result;
        String reason = null;
        NodeAction action = actions.get(r.action());
        ContainerInfo info = null;
        ContainerCgroup cg = null;
        try {
            if (action == null) {
                throw new Refused("unknown action '" + r.action() + "' (known: " + String.join(", ", actions.keySet()) + ")");
            }
            if (t.container() != null && !t.container().isBlank() && !t.container().equals("host")) {
                info = containers.apply(t.container());
            }
            if (action.targetsProcess()) {
                if (t.pid() == null || t.startTime() == null) {
                    throw new Refused("a " + action.name() + " needs target.pid and target.start_time (a pid alone could be recycled)");
                }
                try {
                    cg = cgroups.ofPid(t.pid());
                } catch (IOException e) {
                    throw new Failed("gone: no process " + t.pid());
                }
                if (info != null) {
                    ContainerCgroup ccg = cgroupOf(info, null);
                    if (ccg == null || !ccg.contains(cg)) {
                        throw new Refused("pid " + t.pid() + " (cgroup " + cg.v2Path() + ") is not in container " + info.id());
                    }
                }
            } else {
                if (t.container() == null || t.container().isBlank() || t.container().equals("host")) {
                    throw new Refused("host: no container named (node actions never act on the host)");
                }
                cg = cgroupOf(info, t.pid());
                if (cg == null) {
                    throw new Failed("unknown container " + t.container() + " (no runtime knows it and no live pid of it was named)");
                }
                if (cg.v2Dir() == null && cg.freezerDir() == null && !cg.isRoot()) {
                    throw new Failed("no cgroup directory for " + t.container() + " (" + cg.v2Path() + "): stopped?");
                }
            }
            String ns = namespaceOf(info);
            t = new ActionRecord.Target(info != null ? info.id() : t.container(), t.pid(), t.startTime(), ns,
                    info != null && info.k8s() != null ? info.k8s().pod() : t.pod(), cg.describe());
            if (cg.isRoot()) {
                throw new Refused("host: the target's cgroup is the root of the hierarchy (a host process)");
            }
            if (cg.contains(self)) {
                throw new Refused("self: the sensor's own cgroup (" + self.v2Path() + ") is in " + cg.v2Path());
            }
            if (ns != null && protectedNamespaces.contains(ns)) {
                throw new Refused("protected namespace " + ns);
            }
            NodeAction.Context ctx = new NodeAction.Context(t, info, cg, facts);
            if (dryRun || r.dryRun()) {
                result = ActionRecord.DRY_RUN;
                reason = action.wouldDo(ctx);
            } else if (action == freeze) {
                try {
                    facts.putAll(freeze.runOrPend(ctx));
                    result = ActionRecord.DONE;
                } catch (FreezeAction.Pending p) {
                    facts.putAll(p.facts);
                    facts.put("confirmation", "pending");
                    pending = p;
                    result = ActionRecord.REQUESTED;
                    reason = p.getMessage();
                }
            } else {
                facts.putAll(action.run(ctx));
                result = ActionRecord.DONE;
            }
        } catch (Refused e) {
            result = ActionRecord.REFUSED;
            reason = e.getMessage();
        } catch (Failed | NodeAction.Failed e) {
            result = ActionRecord.FAILED;
            reason = e.getMessage();
        } catch (RuntimeException e) {
            result = ActionRecord.FAILED;
            reason = "error: " + e;
        }
        if (cg != null && t.cgroup() == null) {
            t = new ActionRecord.Target(t.container(), t.pid(), t.startTime(), t.namespace(), t.pod(), cg.describe());
        }
        ActionRecord rec = audit(r, t, facts, result, reason, t0, "");
        if (pending != null) {
            confirmLater(r, rec, pending, t0, confirmed);
        }
        return rec;
    }

    /**
     * A request a guardrail outside this class refused (the fast path's rate limit): nothing is resolved or touched;
     * the refusal is audited like any other and returned.
     */
    public ActionRecord refuse(Request r, String reason) {
        ActionRecord.Target t = r.target() == null ? new ActionRecord.Target(null, null, null, null, null, null) : r.target();
        return audit(r, t, new LinkedHashMap<>(r.params() == null ? Map.of() : r.params()), ActionRecord.REFUSED, reason, System.nanoTime(), "");
    }

    /** Builds the record and writes it to every audit sink. */
    private ActionRecord audit(Request r, ActionRecord.Target t, Map<String, Object> facts, String result, String reason, long t0, String part) {
        return emit(record(r, t, facts, result, reason, t0, part));
    }

    private ActionRecord record(Request r, ActionRecord.Target t, Map<String, Object> facts, String result, String reason, long t0, String part) {
        String time = Instant.now().toString();
        String id = StableId.of("action", node.hostname(), r.trigger(), r.commandId() != null ? r.commandId() : r.alertId(),
                r.action(), t.container(), t.pid(), (r.commandId() != null || r.alertId() != null ? "" : time) + part);
        return new ActionRecord(id, time, r.action(), result, reason, t, facts, r.incident(), r.alertId(),
                r.commandId(), r.trigger(), r.requestedBy(), actor, node, dryRun || r.dryRun(), (System.nanoTime() - t0) / 1e6);
    }

    /** Hands the record to every audit sink. */
    private ActionRecord emit(ActionRecord rec) {
        for (Consumer<ActionRecord> s : audit) {
            try {
                s.accept(rec);
            } catch (RuntimeException e) {
                System.err.println("bulwark: cannot write the audit record of " + rec.action() + " " + rec.target().container() + ": " + e);
            }
        }
        return rec;
    }

    /** Polls the pending freeze every 2 ms on the confirmer thread until confirmed or timed out, then audits the outcome. */
    private void confirmLater(Request r, ActionRecord first, FreezeAction.Pending p, long t0, Consumer<ActionRecord> confirmed) {
        ScheduledExecutorService ex = confirmer();
        AtomicReference<ScheduledFuture<?>> self = new AtomicReference<>();
        AtomicBoolean finished = new AtomicBoolean();
        Runnable poll = () -> {
            if (finished.get()) {
                return;
            }
            boolean ok;
            try {
                ok = p.confirmed.ok();
            } catch (IOException | RuntimeException e) {
                ok = false;
            }
            long elapsed = System.nanoTime() - t0;
            if (!ok && elapsed < freeze.timeoutNs()) {
                return;
            }
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            ScheduledFuture<?> f = self.get();
            if (f != null) {
                f.cancel(false);
            }
            Map<String, Object> facts = new LinkedHashMap<>(first.params());
            facts.put("confirmation", ok ? "confirmed" : "timeout");
            facts.put("confirms", first.id());
            ActionRecord rec = record(r, first.target(), facts, ok ? ActionRecord.DONE : ActionRecord.FAILED,
                    ok ? null : "timeout: not frozen after " + freeze.timeoutNs() / 1_000_000 + " ms", t0, "|confirm");
            // the node's state first, then the audit line: whoever reads the record (an operator, a test) and acts
            // on it meets a state that already says frozen, or that the next alert may ask again
            try {
                confirmed.accept(rec);
            } catch (RuntimeException e) {
                System.err.println("bulwark: the listener of freeze " + first.id() + " failed: " + e);
            }
            emit(rec);
        };
        self.set(ex.scheduleWithFixedDelay(poll, 2, 2, TimeUnit.MILLISECONDS));
    }

    private ScheduledExecutorService confirmer() {
        ScheduledExecutorService ex = confirmer;
        if (ex == null) {
            synchronized (this) {
                if (confirmer == null) {
                    confirmer = Executors.newSingleThreadScheduledExecutor(run -> {
                        Thread th = new Thread(run, "bulwark-freeze-confirm");
                        th.setDaemon(true);
                        return th;
                    });
                }
                ex = confirmer;
            }
        }
        return ex;
    }

    /** The container's cgroups from the runtime's cgroupsPath, else from a live pid of it; null when neither. */
    private ContainerCgroup cgroupOf(ContainerInfo info, Integer pid) {
        if (info != null && info.cgroupPath() != null && !info.cgroupPath().isBlank()) {
            ContainerCgroup cg = cgroups.ofPath(info.cgroupPath());
            if (cg.v2Dir() != null || cg.freezerDir() != null || cg.isRoot()) {
                return cg;
            }
        }
        Integer p = info != null && info.pid() > 0 ? Integer.valueOf(info.pid()) : pid;
        if (p != null) {
            try {
                return cgroups.ofPid(p);
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    static String namespaceOf(ContainerInfo info) {
        if (info == null) {
            return null;
        }
        if (info.k8s() != null && info.k8s().namespace() != null) {
            return info.k8s().namespace();
        }
        Map<String, String> a = info.annotations();
        if (a != null) {
            for (String k : List.of("io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace")) {
                if (a.get(k) != null) {
                    return a.get(k);
                }
            }
        }
        return null;
    }

    private static final class Refused extends Exception {
        Refused(String m) {
            super(m);
        }
    }

    private static final class Failed extends Exception {
        Failed(String m) {
            super(m);
        }
    }
}
