package io.bulwark.functions.bus;

import io.bulwark.contract.FindingEnvelope;
import io.bulwark.contract.Json;
import java.util.List;

/**
 * Where the functions' events (Escape Surface Findings, Incidents) go: EventBridge ({@link EventBridgeBus}) in AWS, the
 * in-process {@link LocalEventBus} in the embedded local mode.
 */
public interface FindingBus {

    /** For the audit trail: {@code eventbridge:<bus>} or {@code local}. */
    String name();

    /** Sends every event; never throws for one event: each gets its own {@link Delivery}, in order. */
    default List<Delivery> publish(List<FindingEnvelope> events) {
        return publishEntries(events.stream().map(e -> new Entry(e.id(), e.source(), e.detailType(), e.time(), e.resources(),
                Json.line(e.detail()), Json.line(e))).toList());
    }

    /** Sends any events (findings, incidents); same contract as {@link #publish}. */
    List<Delivery> publishEntries(List<Entry> events);

    /**
     * One event as the bus takes it.
     *
     * @param id           the envelope id (local bus; EventBridge assigns its own)
     * @param detailJson   the detail, JSON
     * @param envelopeJson the whole envelope as rules see it (local bus)
     */
    record Entry(String id, String source, String detailType, String time, List<String> resources, String detailJson,
                 String envelopeJson) {}

    /**
     * What happened to one event.
     *
     * @param eventId      the id the bus gave it (EventBridge's own id; the envelope id locally), null when it failed
     * @param error        error code and message when it failed, else null
     * @param matchedRules local bus only: the rules whose pattern matched
     */
    record Delivery(String eventId, String error, List<String> matchedRules) {
        public boolean sent() {
            return error == null;
        }
    }
}
