package io.bulwark.functions.bus;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

/**
 * Sends findings with EventBridge {@code PutEvents}, 10 entries per call (the API's limit). The
 * envelope's source, detail-type, time and resources become the entry's fields and its detail
 * the entry's Detail; EventBridge assigns the event id. A failed call or entry is reported per
 * event, not thrown: the cluster report records it.
 */
public final class EventBridgeBus implements FindingBus {
    static final int MAX_ENTRIES = 10;

    private final EventBridgeClient client;
    private final String busName;

    public EventBridgeBus(EventBridgeClient client, String busName) {
        this.client = client;
        this.busName = busName;
    }

    @Override
    public String name() {
        return "eventbridge:" + busName;
    }

    @Override
    public List<Delivery> publishEntries(List<Entry> events) {
        List<Delivery> out = new ArrayList<>(events.size());
        for (int from = 0; from < events.size(); from += MAX_ENTRIES) {
            List<Entry> batch = events.subList(from, Math.min(events.size(), from + MAX_ENTRIES));
            List<PutEventsRequestEntry> entries = batch.stream().map(this::entry).toList();
            try {
                PutEventsResponse r = client.putEvents(PutEventsRequest.builder().entries(entries).build());
                for (int i = 0; i < batch.size(); i++) {
                    PutEventsResultEntry e = i < r.entries().size() ? r.entries().get(i) : null;
                    if (e == null) {
                        out.add(new Delivery(null, "NoResultEntry: PutEvents answered fewer entries than sent", List.of()));
                    } else if (e.errorCode() != null) {
                        out.add(new Delivery(null, e.errorCode() + ": " + e.errorMessage(), List.of()));
                    } else {
                        out.add(new Delivery(e.eventId(), null, List.of()));
                    }
                }
            } catch (SdkException e) {
                String why = e.getClass().getSimpleName() + ": " + e.getMessage();
                for (int i = 0; i < batch.size(); i++) {
                    out.add(new Delivery(null, why, List.of()));
                }
            }
        }
        return out;
    }

    private PutEventsRequestEntry entry(Entry e) {
        return PutEventsRequestEntry.builder()
                .eventBusName(busName)
                .source(e.source())
                .detailType(e.detailType())
                .time(Instant.parse(e.time()))
                .resources(e.resources())
                .detail(e.detailJson())
                .build();
    }
}
