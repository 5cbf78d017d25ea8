package io.bulwark.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Where the shipper delivers: SQS, EventBridge. A target says how items are cut into calls (count
 * and bytes per call) and makes one call; the shipper makes a batch's calls side by side.
 */
public interface Target {
    String name();

    /** Largest body one item may have here; bigger ones travel through S3 ({@link Item#pointTo}). */
    int maxItemBytes();

    /**
     * True when the target keeps the order of what it is sent (a FIFO queue): the shipper then has
     * one call in flight to it, not several.
     */
    default boolean ordered() {
        return false;
    }

    /** The items cut into calls, in order. */
    List<List<Item>> calls(List<Item> items);

    /**
     * One call; returns the items that failed with why. Throws when the whole call failed (the
     * network, the service): the shipper retries all of its items.
     */
    List<Failure> call(List<Item> items) throws Exception;

    /**
     * @param retryable false for an entry the service will never take (malformed, too big): it goes
     *                  to the dead-letter file instead of being retried for ever
     */
    record Failure(Item item, String code, String message, boolean retryable) {}

    /** Cuts {@code items} into calls of at most {@code maxCount} items and {@code maxBytes} (one item alone may be bigger). */
    static List<List<Item>> cut(List<Item> items, int maxCount, long maxBytes, ToLongFunction<Item> size) {
        List<List<Item>> out = new ArrayList<>();
        List<Item> call = new ArrayList<>(maxCount);
        long bytes = 0;
        for (Item it : items) {
            long b = size.applyAsLong(it);
            if (!call.isEmpty() && (call.size() == maxCount || bytes + b > maxBytes)) {
                out.add(call);
                call = new ArrayList<>(maxCount);
                bytes = 0;
            }
            call.add(it);
            bytes += b;
        }
        if (!call.isEmpty()) {
            out.add(call);
        }
        return out;
    }
}
