package io.bulwark.sensor.probe;

/**
 * The per-CPU {@code counters} map's slots: mirror of {@code enum bw_counter} in bulwark_events.h (EventSchemaTest
 * checks the two), with the name each has in {@link Probe#counters()}.
 */
public enum Counters {
    EMITTED(0, "kernel_emitted"),
    RB_FULL(1, "ringbuf_full_drops"),
    INFLIGHT_FULL(2, "inflight_full"),
    FILTERED(3, "kernel_filtered"),
    RATE_LIMITED(4, "rate_limited");

    /** BW_CNT_MAX: the map's size. */
    public static final int MAX = 8;

    private final int index;
    private final String reportName;

    Counters(int index, String reportName) {
        this.index = index;
        this.reportName = reportName;
    }

    /** The map key (BW_CNT_&lt;name&gt;). */
    public int index() {
        return index;
    }

    /** The key in the sensor's counters and metrics. */
    public String reportName() {
        return reportName;
    }
}
