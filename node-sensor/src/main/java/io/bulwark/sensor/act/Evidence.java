package io.bulwark.sensor.act;

import io.bulwark.contract.AlertDetail;

/**
 * The fast path's view of evidence capture (io.bulwark.sensor.evidence.EvidenceCapture): a
 * volatile snapshot on the decoder thread before the freeze, the rest in the background after
 * the alert has been appended. The alert handed over already carries {@code sensor.incident}.
 */
public interface Evidence {
    /** The volatile part, now, on the calling thread (a few ms). Returns what {@link #complete} needs. */
    Object snapshot(AlertDetail alert);

    /**
     * The rest of the capture and the manifest, on a background thread; returns at once. {@code appended} is the
     * alert as it was appended (with sensor.action), so the evidence says what the node did.
     */
    void complete(Object snapshot, AlertDetail appended);

    /** No evidence capture (no --evidence directory). */
    Evidence NONE = new Evidence() {
        @Override
        public Object snapshot(AlertDetail alert) {
            return null;
        }

        @Override
        public void complete(Object snapshot, AlertDetail appended) {
        }
    };
}
