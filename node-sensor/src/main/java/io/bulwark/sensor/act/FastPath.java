package io.bulwark.sensor.act;

import io.bulwark.contract.ActionRecord;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.response.Guardrails;
import io.bulwark.sensor.detect.Detector;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's fast path (docs/response.md), on the thread that raised the alert, before the alert is
 * appended anywhere:
 * <ol>
 *   <li>the alert is filed under an incident ({@code sensor.incident}, every alert);</li>
 *   <li>when its playbook has node-local steps (and responding is on): the volatile evidence
 *       snapshot first, then the containment (freeze; kill and stop when a playbook asks), each
 *       through {@link NodeActions} (guardrails, dry run, audit record), and {@code sensor.action}
 *       says what was done: {@code frozen}, {@code dry-run:freeze}, {@code freeze-failed:REASON},
 *       {@code freeze-refused:REASON} ({@code none} when nothing was asked);</li>
 *   <li>the alert goes to its sinks (console, file, outbox), and only then
 *       ({@link #after}) the snapshot is handed to the background capture.</li>
 * </ol>
 * A container already frozen for this incident is not frozen again (one audit record per freeze);
 * a thaw ({@link #thawed}) forgets that, so a new attempt after a release freezes it again.
 *
 * <p>Rate limits (as {@code max_actions} in the respond function): a freeze, kill or stop that is not a dry run
 * takes a slot from its playbook's {@code guardrails.max_actions} and from the node's limit
 * ({@link #NODE_LIMIT} by default); when either is full nothing is touched, the refusal is audited and
 * {@code sensor.action} says {@code freeze-refused:rate-limit}.
 *
 * <p>A freeze the kernel has not confirmed within {@link NodeActions#FREEZE_INLINE} does not hold the decoder:
 * {@code sensor.action} says {@code freeze-requested}, and the confirmation (done, or failed on timeout) follows in
 * a second audit record; a failed one lets the next alert of the incident try again.
 */
public final class FastPath implements Detector.Responder {
    /** The node-wide limit on fast-path actions by default, across playbooks (as respond's global limit). */
    public static final Guardrails.RateLimit NODE_LIMIT = new Guardrails.RateLimit(30, Duration.ofMinutes(10));
    private static final Set<String> MUTATING = Set.of("freeze", "kill", "stop");

    private final IncidentTracker incidents;
    private final ResponsePolicy policy;
    private final NodeActions actions;
    private volatile Evidence evidence;
    private final boolean respond;
    private final Map<String, Object> pendingSnapshots = new ConcurrentHashMap<>();
    /** incident|container → what sensor.action says of it while it holds: frozen, or freeze-requested until confirmed. */
    private final Map<String, String> frozen = new ConcurrentHashMap<>();
    private final Guardrails.RateLimit nodeLimit;
    private final NodeRateLimit limits;

    /**
     * @param respond false with --no-respond: incidents are filed, no node step runs
     */
    public FastPath(IncidentTracker incidents, ResponsePolicy policy, NodeActions actions, Evidence evidence, boolean respond) {
        this(incidents, policy, actions, evidence, respond, NODE_LIMIT, Clock.systemUTC());
    }

    /**
     * @param nodeLimit fast-path actions on this node per window, across playbooks (null: none)
     * @param clock     the rate limits' clock
     */
    public FastPath(IncidentTracker incidents, ResponsePolicy policy, NodeActions actions, Evidence evidence, boolean respond,
                    Guardrails.RateLimit nodeLimit, Clock clock) {
        this.nodeLimit = nodeLimit;
        this.limits = new NodeRateLimit(clock);
        this.incidents = incidents;
        this.policy = policy;
        this.actions = actions;
        this.evidence = evidence == null ? Evidence.NONE : evidence;
        this.respond = respond;
    }

    /** The evidence capture, once the sensor (its process table and timeline) exists. */
    public void evidence(Evidence e) {
        this.evidence = e == null ? Evidence.NONE : e;
    }

    public IncidentTracker incidents() {
        return incidents;
    }

    @Override
    public AlertEnvelope before(AlertEnvelope a) {
        AlertDetail d = a.detail();
        String incident = incidents.file(d);
        String action = d.sensor() == null ? "none" : d.sensor().action();
        AlertEnvelope filed = with(a, action, incident);
        if (!respond) {
            return filed;
        }
        List<ResponsePolicy.Step> steps = policy.nodeSteps(filed);
        if (steps.isEmpty()) {
            return filed;
        }
        List<String> done = new ArrayList<>();
        for (ResponsePolicy.Step s : steps) {
            if (s.action().equals("evidence")) {
                try {
                    Object snap = evidence.snapshot(filed.detail());
                    if (snap != null) {
                        pendingSnapshots.put(d.id(), snap);
                    }
                } catch (RuntimeException e) {
                    System.err.println("bulwark: evidence snapshot of alert " + d.id() + " failed: " + e);
                }
                continue;
            }
            String container = d.container() == null ? null : d.container().id();
            String key = incident + "|" + container;
            if (s.action().equals("freeze") && !s.dryRun() && !actions.dryRun() && frozen.containsKey(key)) {
                done.add(frozen.getOrDefault(key, "frozen"));
                continue;
            }
            Integer pid = d.process() == null ? null : d.process().pid();
            Long start = null;
            if (s.action().equals("kill") && pid != null) {
                long st = Processes.startTime(pid); // the offender right now: a few ms after its syscall
                start = st < 0 ? null : st;
            }
            NodeActions.Request req = new NodeActions.Request(s.action(),
                    new ActionRecord.Target(container, pid, start, null, null, null), Map.of("step", s.action(), "playbook", s.playbook()),
                    incident, d.id(), null, "fast-path", "playbook:" + s.playbook(), s.dryRun());
            if (MUTATING.contains(s.action()) && !s.dryRun() && !actions.dryRun()) {
                List<NodeRateLimit.Limit> applies = new ArrayList<>();
                if (s.maxActions() != null) {
                    applies.add(new NodeRateLimit.Limit("playbook:" + s.playbook(), s.maxActions(), "playbook " + s.playbook() + "'s max_actions"));
                }
                if (nodeLimit != null) {
                    applies.add(new NodeRateLimit.Limit("node", nodeLimit, "the node's fast-path limit"));
                }
                String full = limits.tryAcquire(applies);
                if (full != null) {
                    done.add(label(s.action(), actions.refuse(req, full)));
                    continue;
                }
            }
            ActionRecord r = actions.run(req, confirmed -> {
                if (ActionRecord.DONE.equals(confirmed.result())) {
                    frozen.put(key, "frozen"); // put, not replace: the confirmation may come before the putIfAbsent below
                } else {
                    frozen.remove(key); // never confirmed: the next alert of the incident tries again
                }
            });
            if (s.action().equals("freeze") && ActionRecord.DONE.equals(r.result())) {
                frozen.put(key, "frozen");
            } else if (s.action().equals("freeze") && ActionRecord.REQUESTED.equals(r.result())) {
                frozen.putIfAbsent(key, "freeze-requested");
            }
            done.add(label(s.action(), r));
        }
        return done.isEmpty() ? filed : with(a, String.join(",", done), incident);
    }

    @Override
    public void after(AlertEnvelope a) {
        Object snap = pendingSnapshots.remove(a.detail().id());
        if (snap != null) {
            try {
                evidence.complete(snap, a.detail());
            } catch (RuntimeException e) {
                System.err.println("bulwark: evidence capture of alert " + a.detail().id() + " failed to start: " + e);
            }
        }
    }

    /** A container was thawed (a command or a release): the next attempt in it freezes it again. */
    public void thawed(String container) {
        frozen.keySet().removeIf(k -> k.endsWith("|" + container));
    }

    /** sensor.action for one step's record: frozen, killed, stopped; dry-run:ACTION; ACTION-requested; ACTION-failed:REASON; ACTION-refused:REASON. */
    static String label(String action, ActionRecord r) {
        return switch (r.result()) {
            case ActionRecord.DONE -> switch (action) {
                case "freeze" -> "frozen";
                case "kill" -> "killed";
                case "stop" -> "stopped";
                case "thaw" -> "thawed";
                default -> action;
            };
            case ActionRecord.DRY_RUN -> "dry-run:" + action;
            case ActionRecord.REQUESTED -> action + "-requested";
            case ActionRecord.REFUSED -> action + "-refused:" + token(r.reason());
            default -> action + "-failed:" + token(r.reason());
        };
    }

    /** The reason's first word (up to a colon or space): timeout, host, gone, protected … */
    private static String token(String reason) {
        if (reason == null || reason.isBlank()) {
            return "unknown";
        }
        String s = reason.strip();
        int end = s.length();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ':' || c == ' ') {
                end = i;
                break;
            }
        }
        return s.substring(0, end);
    }

    static AlertEnvelope with(AlertEnvelope a, String action, String incident) {
        AlertDetail d = a.detail();
        AlertDetail.Sensor s = d.sensor();
        AlertDetail.Sensor ns = new AlertDetail.Sensor(s == null ? null : s.version(), s == null ? "local" : s.mode(), action, incident);
        AlertDetail nd = new AlertDetail(d.id(), d.time(), d.rule(), d.priority(), d.severity(), d.vector(), d.mitre(), d.tags(),
                d.output(), d.outputFields(), d.count(), d.process(), d.container(), d.k8s(), d.node(), d.syscall(), ns);
        return new AlertEnvelope(a.version(), a.id(), a.detailType(), a.source(), a.account(), a.time(), a.region(), a.resources(), nd);
    }
}
