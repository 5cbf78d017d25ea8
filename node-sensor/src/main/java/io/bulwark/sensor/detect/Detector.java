package io.bulwark.sensor.detect;

import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.alert.AlertFactory;
import io.bulwark.sensor.alert.Coalescer;
import io.bulwark.sensor.rules.Rule;
import io.bulwark.sensor.rules.RuleEngine;
import io.bulwark.sensor.rules.RuleMatch;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Events in, alerts out: every event meets the rules its type can match; each match becomes an
 * alert envelope; identical alerts (rule, container, process) within the window are coalesced,
 * the first never delayed. Alerts go to every sink in order.
 */
public final class Detector {
    private final RuleEngine engine;
    private final AlertFactory factory;
    private final Coalescer<Pending> coalescer;
    private final List<Consumer<AlertEnvelope>> sinks;
    private final LongSupplier clock;
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong matches = new AtomicLong();
    private final AtomicLong alerts = new AtomicLong();
    private final AtomicLong sinkErrors = new AtomicLong();
    private final FollowUps followUps = new FollowUps();

    private record Pending(Rule rule, SensorEvent event) {}

    /** Fields whose value differs between two events that are otherwise identical. */
    public static final Set<String> TIME_FIELDS = Set.of("evt.num", "evt.rawtime", "evt.time", "evt.datetime");
    private final boolean verdictsReusable;
    private final AtomicLong repeats = new AtomicLong();

    /**
     * What happens to an alert between its making and its sinks (the node's fast path,
     * io.bulwark.sensor.act.FastPath): {@link #before} may change it (incident, sensor.action) on
     * the thread that raised it; {@link #after} runs once every sink has it.
     */
    public interface Responder {
        AlertEnvelope before(AlertEnvelope alert);

        default void after(AlertEnvelope alert) {
        }

        Responder NONE = a -> a;
    }

    private volatile Responder responder = Responder.NONE;

    /** Every alert from now on goes through {@code r} before its sinks. */
    public void respondWith(Responder r) {
        this.responder = r == null ? Responder.NONE : r;
    }

    public Detector(RuleEngine engine, AlertFactory factory, long coalesceWindowNs, List<Consumer<AlertEnvelope>> sinks, LongSupplier clock) {
        this.engine = engine;
        this.factory = factory;
        this.coalescer = new Coalescer<>(coalesceWindowNs, 10_000);
        this.sinks = List.copyOf(sinks);
        this.clock = clock;
        Set<String> fields = engine.conditionFields();
        this.verdictsReusable = fields != null && Collections.disjoint(fields, TIME_FIELDS);
    }

    public Detector(RuleEngine engine, AlertFactory factory, long coalesceWindowNs, List<Consumer<AlertEnvelope>> sinks) {
        this(engine, factory, coalesceWindowNs, sinks, System::nanoTime);
    }

    /**
     * Evaluates one event. Called from the sensor's decoder thread (or replay). Returns the verdict
     * (the rules it matched) for {@link #onRepeat}, or null when verdicts cannot be reused because
     * a condition reads the event's time or sequence number.
     */
    public Object onEvent(SensorEvent e) {
        events.incrementAndGet();
        if (!followUps.idle()) {
            SensorEvent linked = followUps.link(e); // an armed escape's next step (FollowUps)
            if (linked != e && e.container() == null) {
                followUp(linked); // a host process's run linked to a container: only the follow-up rules see it so
            } else {
                e = linked;
            }
        }
        // Outputs are rendered only for the alerts the coalescer lets through: a flood of one
        // alert costs one rendering per window, not one per event.
        List<Rule> ms = engine.matchingRules(e);
        Rule[] rules = ms.toArray(NO_RULES);
        Coalescer.Key[] keys = new Coalescer.Key[rules.length];
        for (int i = 0; i < rules.length; i++) {
            keys[i] = key(rules[i], e);
        }
        if (rules.length > 0) {
            followUps.arm(rules, e);
        }
        deliver(e, rules, keys);
        return verdictsReusable ? new Verdict(rules, keys) : null;
    }

    /** The follow-up rules' matches on a host process's run that an escape of a container armed. */
    private void followUp(SensorEvent linked) {
        List<Rule> ms = engine.matchingRules(linked).stream().filter(r -> r.tags().contains(FollowUps.TAG)).toList();
        Rule[] rules = ms.toArray(NO_RULES);
        Coalescer.Key[] keys = new Coalescer.Key[rules.length];
        for (int i = 0; i < rules.length; i++) {
            keys[i] = key(rules[i], linked);
        }
        deliver(linked, rules, keys);
    }

    /**
     * An event identical to the one whose verdict {@code state} is, except for its time (the
     * sensor checks that: same thread, syscall, arguments, result, credentials, and no process or
     * container change in between). Conditions do not read the time, so the verdict holds; the
     * matches go through the coalescer as usual.
     */
    public void onRepeat(SensorEvent e, Object state) {
        if (!verdictsReusable || !(state instanceof Verdict v)) {
            onEvent(e);
            return;
        }
        events.incrementAndGet();
        repeats.incrementAndGet();
        deliver(e, v.rules, v.keys); // a repeat has the same process and container: the same coalescing keys
    }

    private static final Rule[] NO_RULES = new Rule[0];

    /** What an evaluation leaves for the event's repeats: the rules it matched, with their coalescing keys. */
    private record Verdict(Rule[] rules, Coalescer.Key[] keys) { }

    private static Coalescer.Key key(Rule r, SensorEvent e) {
        return new Coalescer.Key(r.name(), e.container() == null ? "host" : e.container().id(), e.process().pid());
    }

    /** Whether {@link #onEvent} verdicts can be reused for repeats (no condition reads time fields). */
    public boolean verdictsReusable() {
        return verdictsReusable;
    }

    /** Events handled through a reused verdict. */
    public long repeats() {
        return repeats.get();
    }

    private void deliver(SensorEvent e, Rule[] rules, Coalescer.Key[] keys) {
        long now = clock.getAsLong();
        for (int i = 0; i < rules.length; i++) {
            Rule r = rules[i];
            matches.incrementAndGet();
            Coalescer.Emit<Pending> emit = coalescer.offer(keys[i], new Pending(r, e), now);
            if (emit != null) {
                send(emit);
            }
        }
        for (Coalescer.Emit<Pending> emit : coalescer.expire(now)) {
            send(emit);
        }
    }

    /** Closes due coalescing windows; call periodically so repeats are reported without new events. */
    public void tick() {
        for (Coalescer.Emit<Pending> emit : coalescer.expire(clock.getAsLong())) {
            send(emit);
        }
    }

    /** Reports every open window (shutdown). */
    public void flush() {
        for (Coalescer.Emit<Pending> emit : coalescer.flush()) {
            send(emit);
        }
    }

    private void send(Coalescer.Emit<Pending> emit) {
        RuleMatch m = engine.render(emit.item().rule(), emit.item().event());
        AlertEnvelope made = factory.create(m, emit.item().event(), emit.count());
        alerts.incrementAndGet();
        Responder r = responder;
        AlertEnvelope a = made;
        try {
            a = r.before(made);
        } catch (RuntimeException ex) {
            System.err.println("bulwark: response to alert " + made.detail().id() + " failed: " + ex);
        }
        for (Consumer<AlertEnvelope> s : sinks) {
            try {
                s.accept(a);
            } catch (RuntimeException ex) {
                sinkErrors.incrementAndGet();
                System.err.println("bulwark: alert sink failed: " + ex);
            }
        }
        try {
            r.after(a);
        } catch (RuntimeException ex) {
            System.err.println("bulwark: after-response of alert " + a.detail().id() + " failed: " + ex);
        }
    }

    public long events() {
        return events.get();
    }

    public long matches() {
        return matches.get();
    }

    public long alerts() {
        return alerts.get();
    }

    public long coalesced() {
        return coalescer.suppressedTotal();
    }

    public long sinkErrors() {
        return sinkErrors.get();
    }
}
