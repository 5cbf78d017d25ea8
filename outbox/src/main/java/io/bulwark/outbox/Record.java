package io.bulwark.outbox;

/**
 * One entry of the outbox: an event envelope (JSON) with what delivery needs without parsing it.
 *
 * @param rank       importance, 0 (least: DEBUG) to 7 (most: EMERGENCY); see {@link Rank}
 * @param appendedAt when the sensor appended it (epoch ms): outbox age and delivery latency
 * @param id         the event's stable {@code detail.id}: consumers dedupe on it
 * @param payload    the EventBridge envelope, UTF-8 JSON
 * @param position   where it lies: segment and offset (set by the reader, null when appending)
 */
public record Record(int rank, long appendedAt, String id, byte[] payload, Position position) {

    /** A record's place in the outbox; orders records across segments. */
    public record Position(long segment, long offset) implements Comparable<Position> {
        @Override
        public int compareTo(Position o) {
            int c = Long.compare(segment, o.segment);
            return c != 0 ? c : Long.compare(offset, o.offset);
        }

        @Override
        public String toString() {
            return Segments.name(segment) + "@" + offset;
        }
    }
}
