package io.bulwark.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

/**
 * The event bus: PutEvents, at most 10 entries and 256 KB a call (entry size as EventBridge counts
 * it: source, detail-type, detail, resources, and 14 bytes for the time). A partial failure names
 * the failed entries by position: only those are retried. EventBridge gives each event a new
 * envelope id; the stable id is {@code detail.id}.
 */
public final class EventBridgeTarget implements Target {
    public static final int MAX_CALL = 256 * 1024;

    private final EventBridgeClient events;
    private final String bus;

    public EventBridgeTarget(EventBridgeClient events, String bus) {
        this.events = events;
        this.bus = bus;
    }

    @Override
    public String name() {
        return "eventbridge";
    }

    @Override
    public int maxItemBytes() {
        return MAX_CALL - 1024;
    }

    static int entrySize(Item it) {
        int n = 14 + utf8(it.source()) + utf8(it.detailType()) + utf8(it.detail());
        for (String r : it.resources()) {
            n += utf8(r);
        }
        return n;
    }

    private static int utf8(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Override
    public List<List<Item>> calls(List<Item> items) {
        return Target.cut(items, 10, MAX_CALL, EventBridgeTarget::entrySize);
    }

    @Override
    public List<Failure> call(List<Item> call) {
        return put(call);
    }

    private List<Failure> put(List<Item> call) {
        List<PutEventsRequestEntry> entries = new ArrayList<>(call.size());
        for (Item it : call) {
            PutEventsRequestEntry.Builder e = PutEventsRequestEntry.builder().source(it.source()).detailType(it.detailType())
                    .detail(it.detail()).resources(it.resources());
            if (bus != null && !bus.isBlank()) {
                e.eventBusName(bus);
            }
            Instant t = parse(it.time());
            if (t != null) {
                e.time(t);
            }
            entries.add(e.build());
        }
        PutEventsResponse r = events.putEvents(b -> b.entries(entries));
        List<Failure> failed = new ArrayList<>();
        if (r.failedEntryCount() == null || r.failedEntryCount() == 0) {
            return failed;
        }
        List<PutEventsResultEntry> results = r.entries();
        for (int k = 0; k < call.size(); k++) {
            PutEventsResultEntry res = k < results.size() ? results.get(k) : null;
            if (res == null) {
                failed.add(new Failure(call.get(k), "MissingResult", "PutEvents answered fewer entries than it was sent", true));
            } else if (res.errorCode() != null) {
                // ValidationException, MalformedDetail …: the entry itself; throttling and InternalFailure: retry
                boolean retry = !(res.errorCode().contains("Malformed") || res.errorCode().contains("Validation")
                        || res.errorCode().contains("TooLarge"));
                failed.add(new Failure(call.get(k), res.errorCode(), res.errorMessage(), retry));
            }
        }
        return failed;
    }

    private static Instant parse(String t) {
        if (t == null) {
            return null;
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
