package io.bulwark.delivery;

import java.util.List;

/** Where the shipper delivers: SQS, EventBridge. One call may take a part of the items and refuse the rest. */
public interface Target {
    String name();

    /** Largest body one item may have here; bigger ones travel through S3 ({@link Item#pointTo}). */
    int maxItemBytes();

    /**
     * Delivers as many of {@code items} as it can; returns those that failed with why. Throws
     * when the whole call failed (the network, the service): the shipper retries them all.
     */
    List<Failure> deliver(List<Item> items) throws Exception;

    /**
     * @param retryable false for an entry the service will never take (malformed, too big): it goes
     *                  to the dead-letter file instead of being retried for ever
     */
    record Failure(Item item, String code, String message, boolean retryable) {}
}
