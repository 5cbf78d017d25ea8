package io.bulwark.response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bulwark.contract.StableId;
import io.bulwark.response.action.Action;
import io.bulwark.response.action.ActionCatalog;
import io.bulwark.response.action.ActionExecutor;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import io.bulwark.response.action.Executors;
import io.bulwark.response.state.AuditRecord;
import io.bulwark.response.state.PendingApproval;
import io.bulwark.response.state.ResponseState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the matching playbooks for events, inside the guardrails. The one entry point for the sensor's fast path
 * ({@link Part#NODE_FAST_PATH}), the respond function ({@link Part#REST}) and single-process use ({@link Part#ALL}).
 *
 * <p>For every step of a matching playbook, in order:
 * <ol>
 *   <li>kill switch engaged ({@link ResponseState#killSwitchEngaged()}) → {@code REFUSED_KILL_SWITCH};</li>
 *   <li>{@code when} pattern not matched → {@code SKIPPED};</li>
 *   <li>a mutating action and the event's {@code detail.k8s.namespace} is protected → {@code REFUSED_PROTECTED_NAMESPACE};</li>
 *   <li>{@code control.approval}: waits ({@code PENDING_APPROVAL}) until an approval event or the timeout decides;</li>
 *   <li>no executor in this process → {@code NOT_CONFIGURED} (the playbook goes on);</li>
 *   <li>idempotency: the key {@code incident/playbook/step} already claimed → {@code DUPLICATE} (a replayed event acts once);</li>
 *   <li>dry run (responder, playbook or step) → {@code DRY_RUN}: recorded, executor not called;</li>
 *   <li>a mutating action and the playbook's or the global rate limit is full → {@code REFUSED_RATE_LIMIT};</li>
 *   <li>the executor runs → {@code DONE}, {@code SKIPPED} or {@code FAILED}; a failure stops the playbook unless
 *       {@code continue_on_error} (later steps {@code NOT_RUN}).</li>
 * </ol>
 * Every step considered writes one {@link AuditRecord}. Thread-safe when the state is.
 */
public final class Responder {
    /** {@code source} of approval events. */
    public static final String APPROVAL_SOURCE = "bulwark.approval";
    /** {@code detail-type} of approval events: {@code detail: {approval_id, decision: approve|deny, principal}}. */
    public static final String APPROVAL_DETAIL_TYPE = "Response Approval";
    /** The rate-limit key of the global limit. */
    public static final String GLOBAL_LIMIT_KEY = "global";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Which steps of a playbook this responder runs. */
    public enum Part {
        /** Every step (one process does all: tests, a node without the cloud side). */
        ALL,
        /** The sensor: the leading node-local steps ({@link Playbook#fastPathSteps()}), before the alert leaves the node. */
        NODE_FAST_PATH,
        /** The respond side: every step after the fast path (node steps among them go through the node command channel). */
        REST
    }

    /**
     * How this responder runs.
     *
     * @param part        which steps it runs
     * @param dryRun      true: every step is a dry run ({@code ./bulwark up --dry-run})
     * @param principal   who acts, for audit records ({@code sensor@node-1}, the function's role ARN)
     * @param globalLimit mutating actions across all playbooks per window (null: none)
     */
    public record Options(Part part, boolean dryRun, String principal, Guardrails.RateLimit globalLimit) {
        /** All steps, not dry, principal {@code bulwark}, at most 30 mutating actions per 10 minutes overall. */
        public static Options defaults() {
            return new Options(Part.ALL, false, "bulwark", new Guardrails.RateLimit(30, Duration.ofMinutes(10)));
        }

        public Options withPart(Part p) {
            return new Options(p, dryRun, principal, globalLimit);
        }

        public Options withDryRun(boolean d) {
            return new Options(part, d, principal, globalLimit);
        }

        public Options withPrincipal(String p) {
            return new Options(part, dryRun, p, globalLimit);
        }

        public Options withGlobalLimit(Guardrails.RateLimit l) {
            return new Options(part, dryRun, principal, l);
        }
    }

    /**
     * What one event led to.
     *
     * @param eventId  the envelope's id
     * @param incident the incident id used for idempotency
     * @param runs     one per matching playbook (or the resumed run for an approval event)
     */
    public record EventResult(String eventId, String incident, List<PlaybookRun> runs) {
        public EventResult {
            runs = List.copyOf(runs);
        }

        /** The run of playbook {@code name}, or null. */
        public PlaybookRun run(String name) {
            return runs.stream().filter(r -> r.playbook().equals(name)).findFirst().orElse(null);
        }
    }

    /**
     * One event's fate in a batch: a result, or the error that rejected it.
     *
     * @param index  position in the batch
     * @param result null when rejected
     * @param error  why it was rejected (null when handled)
     */
    public record BatchItem(int index, EventResult result, String error) {
        public boolean ok() {
            return error == null;
        }
    }

    private final List<Playbook> playbooks;
    private final Executors executors;
    private final ActionCatalog catalog;
    private final ResponseState state;
    private final Clock clock;
    private final Options options;

    /**
     * @param playbooks loaded, checked playbooks ({@link PlaybookLoader})
     * @param executors the executors this process can run
     * @param state     idempotency, rate limits, kill switch, approvals, audit
     * @param clock     time for windows, deadlines and audit records
     * @param options   part, dry run, principal, global limit
     */
    public Responder(List<Playbook> playbooks, Executors executors, ResponseState state, Clock clock, Options options) {
        this.playbooks = List.copyOf(playbooks);
        this.executors = executors;
        this.catalog = executors.catalog();
        this.state = state;
        this.clock = clock;
        this.options = options;
    }

    /**
     * Parses an event and checks it is an EventBridge envelope (an object with string {@code id}, {@code source},
     * {@code detail-type} and an object {@code detail}).
     *
     * @throws MalformedEventException saying what is wrong
     */
    public static JsonNode parseEvent(String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            var l = e.getLocation();
            throw new MalformedEventException("event is not JSON" + (l == null ? "" : " (line " + l.getLineNr() + " column " + l.getColumnNr() + ")")
                    + ": " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) throw new MalformedEventException("event must be a JSON object (an EventBridge envelope)");
        for (String f : List.of("id", "source", "detail-type")) {
            if (!n.path(f).isTextual() || n.path(f).asText().isEmpty()) {
                throw new MalformedEventException("event has no '" + f + "' string: not an EventBridge envelope (source, detail-type, detail)");
            }
        }
        if (!n.path("detail").isObject()) throw new MalformedEventException("event " + n.path("id").asText() + " has no 'detail' object");
        return n;
    }

    /** The incident an event belongs to: {@code detail.sensor.incident}, else {@code detail.incident_id}, else {@code detail.id}, else the envelope id. */
    public static String incidentOf(JsonNode event) {
        JsonNode d = event.path("detail");
        for (JsonNode n : List.of(d.path("sensor").path("incident"), d.path("incident_id"), d.path("id"), event.path("id"))) {
            if (n.isTextual() && !n.asText().isEmpty()) return n.asText();
        }
        return "unknown";
    }

    /** The playbooks whose {@code match} the event matches, in load order. */
    public List<Playbook> matching(JsonNode event) {
        return playbooks.stream().filter(p -> p.match().matches(event)).toList();
    }

    /**
     * Handles one event: an approval event decides its approval and resumes the run; any other event runs every
     * matching playbook.
     *
     * @throws MalformedEventException when the event is not an envelope (nothing runs)
     */
    public EventResult handle(String eventJson) {
        return handle(parseEvent(eventJson));
    }

    /** As {@link #handle(String)} for an event already parsed (the sensor's fast path). */
    public EventResult handle(JsonNode event) {
        if (!event.isObject() || !event.path("detail").isObject()) throw new MalformedEventException("event is not an EventBridge envelope");
        String eventId = event.path("id").asText();
        if (APPROVAL_SOURCE.equals(event.path("source").asText())) {
            JsonNode d = event.path("detail");
            String id = d.path("approval_id").asText("");
            if (id.isEmpty()) throw new MalformedEventException("approval event " + eventId + " has no detail.approval_id");
            Decision decision;
            try {
                decision = Decision.parse(d.path("decision").asText(""));
            } catch (IllegalArgumentException e) {
                throw new MalformedEventException("approval event " + eventId + ": " + e.getMessage());
            }
            String by = d.path("principal").asText("");
            if (by.isEmpty()) throw new MalformedEventException("approval event " + eventId + " has no detail.principal (who decided)");
            Optional<PlaybookRun> run = decide(id, decision, by);
            return new EventResult(eventId, run.map(PlaybookRun::incident).orElse(null), run.map(List::of).orElse(List.of()));
        }
        String incident = incidentOf(event);
        List<PlaybookRun> runs = new ArrayList<>();
        for (Playbook pb : matching(event)) runs.add(run(pb, event, incident, 0));
        return new EventResult(eventId, incident, runs);
    }

    /**
     * Handles a batch: each event on its own; a malformed event (or one whose handling threw) is reported in its
     * {@link BatchItem} and the others are still handled.
     */
    public List<BatchItem> handleAll(List<String> events) {
        List<BatchItem> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            try {
                out.add(new BatchItem(i, handle(events.get(i)), null));
            } catch (RuntimeException e) {
                out.add(new BatchItem(i, null, e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        }
        return out;
    }

    /**
     * Decides a pending approval and resumes its playbook from the approval step.
     *
     * @return the resumed run; empty when the approval is unknown or was already decided (a replayed approval event)
     */
    public Optional<PlaybookRun> decide(String approvalId, Decision decision, String principal) {
        Instant now = clock.instant();
        Optional<PendingApproval> decided = state.decide(approvalId, decision.id(), principal, now);
        if (decided.isEmpty()) return Optional.empty();
        return Optional.of(resume(decided.get(), principal));
    }

    /** Decides every pending approval whose deadline has passed with its default, and resumes those runs. */
    public List<PlaybookRun> expireApprovals() {
        Instant now = clock.instant();
        List<PlaybookRun> out = new ArrayList<>();
        for (PendingApproval a : state.pendingApprovals()) {
            if (!Instant.parse(a.deadline()).isAfter(now)) {
                state.decide(a.id(), a.defaultDecision(), "timeout", now).ifPresent(d -> out.add(resume(d, "timeout")));
            }
        }
        return out;
    }

    private PlaybookRun resume(PendingApproval a, String by) {
        Playbook pb = playbooks.stream().filter(p -> p.name().equals(a.playbook())).findFirst().orElse(null);
        JsonNode event = parseEvent(a.event());
        int at = pb == null ? -1 : pb.indexOf(a.step());
        boolean approved = Decision.APPROVE.id().equals(a.decision());
        StepStatus st = approved ? StepStatus.APPROVED : StepStatus.DENIED;
        String msg = "approval " + a.id() + " " + (approved ? "approved" : "denied") + " by " + by
                + ("timeout".equals(by) ? " (default " + a.defaultDecision() + ")" : "");
        audit(a.incident(), event.path("id").asText(), a.playbook(), a.step(), by, ActionCatalog.APPROVAL, "incident/" + a.incident(),
                Map.of(), false, st, msg, Map.of("approval_id", a.id()));
        if (pb == null || at < 0) {
            return new PlaybookRun(a.playbook(), a.incident(), event.path("id").asText(), PlaybookRun.Status.FAILED, a.id(),
                    List.of(new StepOutcome(a.step(), ActionCatalog.APPROVAL, StepStatus.FAILED, null, false,
                            "playbook or step no longer loaded; nothing resumed")));
        }
        return run(pb, event, a.incident(), at);
    }

    private boolean inPart(Playbook pb, int index) {
        int fast = pb.fastPathSteps().size();
        return switch (options.part()) {
            case ALL -> true;
            case NODE_FAST_PATH -> index < fast;
            case REST -> index >= fast;
        };
    }

    private PlaybookRun run(Playbook pb, JsonNode event, String incident, int from) {
        String eventId = event.path("id").asText();
        List<StepOutcome> outcomes = new ArrayList<>();
        String stoppedBy = null;
        PlaybookRun.Status status = PlaybookRun.Status.COMPLETED;
        String approvalId = null;
        String namespace = event.path("detail").path("k8s").path("namespace").asText(null);
        for (int i = from; i < pb.steps().size(); i++) {
            Step step = pb.steps().get(i);
            Action action = catalog.find(step.action()).orElseThrow();
            boolean dry = options.dryRun() || pb.dryRun() || step.dryRun();
            String target = action.target().resolve(event, incident);
            if (!inPart(pb, i)) {
                outcomes.add(new StepOutcome(step.id(), action.name(), StepStatus.OTHER_PART, target, dry,
                        options.part() == Part.NODE_FAST_PATH ? "run by the respond side" : "run by the sensor on the node"));
                continue;
            }
            Instant now = clock.instant();
            StepOutcome o;
            if (stoppedBy != null) {
                o = record(pb, step, action, event, incident, target, dry, StepStatus.NOT_RUN, "not run: " + stoppedBy, Map.of());
            } else if (state.killSwitchEngaged()) {
                o = record(pb, step, action, event, incident, target, dry, StepStatus.REFUSED_KILL_SWITCH, "kill switch engaged: nothing acts", Map.of());
            } else if (step.when() != null && !step.when().matches(event)) {
                o = record(pb, step, action, event, incident, target, dry, StepStatus.SKIPPED, "when did not match: " + step.when().json(), Map.of());
            } else if (action.mutating() && namespace != null && pb.guardrails().protectedNamespaces().contains(namespace)) {
                o = record(pb, step, action, event, incident, target, dry, StepStatus.REFUSED_PROTECTED_NAMESPACE,
                        "namespace " + namespace + " is protected: " + action.name() + " never touches it", Map.of());
            } else if (action.name().equals(ActionCatalog.APPROVAL)) {
                String id = "approval-" + StableId.of("approval", incident, pb.name(), step.id());
                approvalId = id;
                if (dry) {
                    o = record(pb, step, action, event, incident, target, true, StepStatus.DRY_RUN,
                            "would wait for approval " + id + " (dry run goes on as if approved)", Map.of("approval_id", id));
                } else {
                    Optional<PendingApproval> existing = state.approval(id);
                    if (existing.isEmpty()) {
                        Duration timeout = step.params().containsKey("timeout") ? Durations.parse((String) step.params().get("timeout"))
                                : pb.guardrails().approvalTimeout();
                        String def = step.params().containsKey("default") ? (String) step.params().get("default") : pb.guardrails().approvalDefault().id();
                        state.putApproval(new PendingApproval(id, incident, pb.name(), step.id(), event.toString(), now.toString(),
                                now.plus(timeout).toString(), def, null, null, null));
                        o = record(pb, step, action, event, incident, target, false, StepStatus.PENDING_APPROVAL,
                                "waiting for approval " + id + " until " + now.plus(timeout) + " (then " + def + ")",
                                Map.of("approval_id", id, "deadline", now.plus(timeout).toString(), "default", def));
                        outcomes.add(o);
                        status = PlaybookRun.Status.PENDING_APPROVAL;
                        break;
                    }
                    PendingApproval a = existing.get();
                    if (a.pending()) {
                        // a replayed event reached the approval again: still waiting (expireApprovals decides at the deadline)
                        o = record(pb, step, action, event, incident, target, false, StepStatus.DUPLICATE,
                                "approval " + id + " still pending (requested " + a.requestedAt() + ")", Map.of("approval_id", id));
                        outcomes.add(o);
                        status = PlaybookRun.Status.PENDING_APPROVAL;
                        break;
                    }
                    boolean approved = Decision.APPROVE.id().equals(a.decision());
                    // the decision itself was audited by resume(); here the run only passes the gate
                    o = new StepOutcome(step.id(), action.name(), approved ? StepStatus.APPROVED : StepStatus.DENIED, target, false,
                            "approval " + id + " " + a.decision() + " by " + a.decidedBy());
                    if (!approved) {
                        stoppedBy = "approval " + id + " denied by " + a.decidedBy();
                        status = PlaybookRun.Status.DENIED;
                    }
                }
            } else {
                Acted a = act(pb, step, action, event, incident, target, dry, now);
                o = a.outcome();
                if (o.status() == StepStatus.FAILED && !step.continueOnError()) {
                    stoppedBy = "step " + step.id() + " failed";
                    status = PlaybookRun.Status.FAILED;
                }
                if (o.status() == StepStatus.DUPLICATE && StepStatus.FAILED.name().equals(a.prior()) && !step.continueOnError()) {
                    // the first delivery failed here and stopped; a replay stops at the same place
                    stoppedBy = "step " + step.id() + " failed at an earlier delivery";
                    status = PlaybookRun.Status.FAILED;
                }
            }
            outcomes.add(o);
        }
        return new PlaybookRun(pb.name(), incident, eventId, status, approvalId, outcomes);
    }

    /** A step's outcome and, for a duplicate, the status the first delivery recorded. */
    private record Acted(StepOutcome outcome, String prior) {
        Acted(StepOutcome outcome) {
            this(outcome, null);
        }
    }

    private Acted act(Playbook pb, Step step, Action action, JsonNode event, String incident, String target, boolean dry, Instant now) {
        Optional<ActionExecutor> executor = executors.find(action.name());
        if (executor.isEmpty() && !dry) {
            return new Acted(record(pb, step, action, event, incident, target, false, StepStatus.NOT_CONFIGURED,
                    "not configured: no executor for " + action.name() + " in this process", Map.of()));
        }
        String key = incident + "/" + pb.name() + "/" + step.id() + (dry ? "#dry-run" : "");
        Optional<String> prior = state.claim(key, now);
        if (prior.isPresent()) {
            return new Acted(record(pb, step, action, event, incident, target, dry, StepStatus.DUPLICATE,
                    "already handled for incident " + incident + " at an earlier delivery (result " + prior.get() + ")", Map.of()), prior.get());
        }
        if (dry) {
            state.complete(key, StepStatus.DRY_RUN.name());
            return new Acted(record(pb, step, action, event, incident, target, true, StepStatus.DRY_RUN,
                    "dry run: would run " + action.name() + " on " + (target == null ? "(no target in the event)" : target)
                            + (executor.isEmpty() ? " (no executor configured in this process)" : ""), Map.of()));
        }
        if (action.mutating()) {
            List<ResponseState.Limit> limits = new ArrayList<>();
            if (options.globalLimit() != null) {
                limits.add(new ResponseState.Limit(GLOBAL_LIMIT_KEY, options.globalLimit().count(), options.globalLimit().window()));
            }
            Guardrails.RateLimit mine = pb.guardrails().maxActions();
            if (mine != null) limits.add(new ResponseState.Limit("playbook:" + pb.name(), mine.count(), mine.window()));
            Optional<ResponseState.Limit> full = state.tryAcquire(limits, now);
            if (full.isPresent()) {
                state.release(key);
                ResponseState.Limit l = full.get();
                String which = l.key().equals(GLOBAL_LIMIT_KEY) ? "global limit" : "playbook's max_actions";
                return new Acted(record(pb, step, action, event, incident, target, false, StepStatus.REFUSED_RATE_LIMIT,
                        which + " reached: " + l.count() + " actions per " + Durations.format(l.window()), Map.of("limit", l.key())));
            }
        }
        ActionRequest req = new ActionRequest(action.name(), step.params(), target, event, incident, pb.name(), step.id(), key, now);
        ActionResult r;
        try {
            r = executor.get().execute(req);
            if (r == null) r = ActionResult.failed(action.name() + " executor returned no result");
        } catch (Exception e) {
            r = ActionResult.failed(action.name() + " threw " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        StepStatus s = switch (r.status()) {
            case DONE -> StepStatus.DONE;
            case SKIPPED -> StepStatus.SKIPPED;
            case FAILED -> StepStatus.FAILED;
        };
        state.complete(key, s.name());
        return new Acted(record(pb, step, action, event, incident, target, false, s, r.message(), r.details()));
    }

    private StepOutcome record(Playbook pb, Step step, Action action, JsonNode event, String incident, String target, boolean dry,
            StepStatus status, String message, Map<String, Object> details) {
        audit(incident, event.path("id").asText(), pb.name(), step.id(), options.principal(), action.name(), target, step.params(), dry,
                status, message, details);
        return new StepOutcome(step.id(), action.name(), status, target, dry, message);
    }

    private void audit(String incident, String eventId, String playbook, String step, String principal, String action, String target,
            Map<String, Object> params, boolean dry, StepStatus status, String message, Map<String, Object> details) {
        state.audit(new AuditRecord(clock.instant().toString(), incident, eventId, playbook, step, principal, action, target,
                new LinkedHashMap<>(params), dry, status.name(), message, details));
    }

    /**
     * Undoes what the playbooks did for an incident ({@code ./bulwark release INCIDENT}): every step whose audit record
     * says DONE (not a dry run) and whose action is {@link Action#reversible()}, newest first. An action with an
     * {@link Action#undoAction()} ({@code node.freeze} → {@code node.thaw}) runs that action's executor on the same
     * target; the others call their own executor's {@link ActionExecutor#undo} with the result details recorded when
     * they acted. Each undo runs once (key {@code incident/playbook/step#undo}) and writes an audit record
     * (step {@code STEP#undo}, principal = who released). A manual release is not held back by the kill switch, the
     * rate limits or protected namespaces: it only reverses containment.
     *
     * @param incident  the incident id
     * @param principal who releases (audit)
     * @return one outcome per undo attempted (empty when nothing reversible was done)
     */
    public List<StepOutcome> release(String incident, String principal) {
        List<AuditRecord> log = state.auditLog();
        List<StepOutcome> out = new ArrayList<>();
        JsonNode none = JSON.createObjectNode();
        for (int i = log.size() - 1; i >= 0; i--) {
            AuditRecord rec = log.get(i);
            if (!incident.equals(rec.incident()) || rec.dryRun() || !StepStatus.DONE.name().equals(rec.result()) || rec.step().endsWith("#undo")) {
                continue;
            }
            Action action = catalog.find(rec.action()).orElse(null);
            if (action == null || !action.reversible()) continue;
            String undoName = action.undoAction().orElse(action.name());
            String step = rec.step() + "#undo";
            String key = incident + "/" + rec.playbook() + "/" + step;
            Instant now = clock.instant();
            Optional<ActionExecutor> ex = executors.find(undoName);
            StepStatus st;
            String msg;
            Map<String, Object> details = Map.of();
            if (ex.isEmpty()) {
                st = StepStatus.NOT_CONFIGURED;
                msg = "not configured: no executor for " + undoName + " in this process; " + rec.action() + " on " + rec.target() + " stays";
            } else if (state.claim(key, now).isPresent()) {
                st = StepStatus.DUPLICATE;
                msg = "already released";
            } else {
                Map<String, Object> params = new LinkedHashMap<>();
                if (action.undoAction().isPresent()) {
                    catalog.find(undoName).ifPresent(u -> u.params().forEach(p -> {
                        if (p.defaultValue() != null) params.put(p.name(), p.defaultValue());
                    }));
                } else {
                    params.putAll(rec.params());
                }
                ActionRequest req = new ActionRequest(undoName, params, rec.target(), none, incident, rec.playbook(), step, key, now);
                ActionResult r;
                try {
                    r = action.undoAction().isPresent() ? ex.get().execute(req)
                            : ex.get().undo(req, new ActionResult(ActionResult.Status.DONE, rec.message(), rec.details() == null ? Map.of() : rec.details()));
                    if (r == null) r = ActionResult.failed(undoName + " returned no result");
                } catch (Exception e) {
                    r = ActionResult.failed("undo of " + rec.action() + " threw " + e.getClass().getSimpleName() + ": " + e.getMessage());
                }
                st = switch (r.status()) {
                    case DONE -> StepStatus.DONE;
                    case SKIPPED -> StepStatus.SKIPPED;
                    case FAILED -> StepStatus.FAILED;
                };
                msg = r.message();
                details = r.details();
                if (st == StepStatus.FAILED) state.release(key);
                else state.complete(key, st.name());
            }
            state.audit(new AuditRecord(now.toString(), incident, rec.eventId(), rec.playbook(), step, principal,
                    action.undoAction().orElse(action.name() + ":undo"), rec.target(), Map.of(), false, st.name(), msg, details));
            out.add(new StepOutcome(step, undoName, st, rec.target(), false, msg));
        }
        return out;
    }

    /** The playbooks this responder runs. */
    public List<Playbook> playbooks() {
        return playbooks;
    }

    public Options options() {
        return options;
    }
}
