package io.bulwark.sensor.event;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.enrich.ContainerLookup;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.probe.RawEvent;
import java.util.List;
import java.util.Set;

/**
 * Turns raw kernel events into {@link SensorEvent}s, in three stages that can each be used and tested
 * alone: the pure {@link RecordDecoder} (the record's bytes to its type and arguments, driven by
 * {@link EventSchema}), the {@link ProcessStage} (process table and credential baseline, kept current by
 * every record) and the {@link Enricher} (what /proc and the runtimes tell: relative names placed, setns
 * targets, the process and the container). One decoder per sensor, used from a single thread.
 */
public final class EventDecoder {
    private final RecordDecoder records = new RecordDecoder();
    private final ProcessStage processes;
    private final Enricher enricher;

    /**
     * @param bootToWallNs   add to a CLOCK_BOOTTIME timestamp to get Unix-epoch nanoseconds
     * @param hostNamespaces inode numbers of the host's namespaces (setns targets in this set are the host's)
     */
    public EventDecoder(ProcessTable processes, ContainerLookup containers, long bootToWallNs, Set<Long> hostNamespaces) {
        this.processes = new ProcessStage(processes, containers);
        this.enricher = new Enricher(processes, containers, bootToWallNs, hostNamespaces);
    }

    /** Decodes one event; returns null for events that only feed the process table (fork). */
    public SensorEvent decode(RawEvent r) {
        RecordDecoder.Decoded d = records.decode(r);
        List<String> gained = processes.track(d);
        if (r.op() == RawEvent.OP_FORK) {
            return null;
        }
        enricher.enrichArgs(d);
        if (gained != null) {
            d.args().put("cred_unexplained", gained); // last: evt.arg[N] of the event's own arguments keeps its meaning
        }
        SensorEvent e = enricher.build(d);
        processes.after(r);
        return e;
    }
}
