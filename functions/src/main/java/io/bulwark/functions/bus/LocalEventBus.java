package io.bulwark.functions.bus;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;
import software.amazon.event.ruler.Machine;

/**
 * The embedded local mode's event bus: rules are EventBridge patterns matched in-process by
 * {@code event-ruler} against the whole envelope (as EventBridge does), and each matching rule's
 * subscribers receive the envelope JSON. Without a subscriber a match is logged (rule and
 * finding id only).
 */
public final class LocalEventBus implements FindingBus {
    private static final Logger LOG = Logger.getLogger(LocalEventBus.class);

    private final Machine machine = new Machine();
    private final Map<String, List<Consumer<String>>> subscribers = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "local";
    }

    /** Adds an EventBridge event pattern under {@code rule}. */
    public LocalEventBus addRule(String rule, String patternJson) {
        try {
            synchronized (machine) {
                machine.addRule(rule, patternJson);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("bad event pattern for rule '" + rule + "': " + e.getMessage(), e);
        }
        return this;
    }

    /** {@code target} receives the envelope JSON of every event that matches {@code rule}. */
    public LocalEventBus subscribe(String rule, Consumer<String> target) {
        subscribers.computeIfAbsent(rule, r -> new CopyOnWriteArrayList<>()).add(target);
        return this;
    }

    /** Names of the rules an envelope (JSON) matches. */
    public List<String> match(String envelopeJson) {
        synchronized (machine) {
            try {
                return machine.rulesForJSONEvent(envelopeJson);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalArgumentException("not a JSON event: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public List<Delivery> publishEntries(List<Entry> events) {
        List<Delivery> out = new ArrayList<>(events.size());
        for (Entry e : events) {
            String json = e.envelopeJson();
            List<String> rules;
            try {
                rules = List.copyOf(match(json));
            } catch (RuntimeException ex) {
                out.add(new Delivery(null, "MatchError: " + ex.getMessage(), List.of()));
                continue;
            }
            String error = null;
            for (String rule : rules) {
                List<Consumer<String>> targets = subscribers.getOrDefault(rule, List.of());
                if (targets.isEmpty()) {
                    LOG.infof("local bus: rule %s matched %s %s (no subscriber)", rule, e.detailType(), e.id());
                }
                for (Consumer<String> t : targets) {
                    try {
                        t.accept(json);
                    } catch (RuntimeException ex) {
                        // one failing target does not stop the others; the audit trail keeps the error
                        error = "TargetError: rule " + rule + ": " + ex.getMessage();
                    }
                }
            }
            out.add(new Delivery(e.id(), error, rules));
        }
        return out;
    }
}
