package io.bulwark.functions.bus;

import io.bulwark.contract.FindingEnvelope;
import java.util.List;

/**
 * Where Escape Surface Finding events go: EventBridge ({@link EventBridgeBus}) in AWS, the
 * in-process {@link LocalEventBus} in the embedded local mode.
 */
public interface FindingBus {

    /** For the audit trail: {@code eventbridge:<bus>} or {@code local}. */
    String name();

    /** Sends every event; never throws for one event: each gets its own {@link Delivery}, in order. */
    List<Delivery> publish(List<FindingEnvelope> events);

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
