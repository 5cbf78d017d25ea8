package io.bulwark.sensor.local;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.EscapeSurfaceReport;
import io.bulwark.contract.ReportEnvelope;
import io.bulwark.sensor.audit.AuditService;
import java.util.List;

/**
 * Runs the escape-surface audit inside {@code bulwark up}: the whole node at start and
 * periodically (scope {@code node}: the complete inventory, so the cluster view drops containers
 * it leaves out), and one container when it starts (scope {@code container}: says nothing about
 * the others). Each report is an {@code Escape Surface Report} event appended to the event file
 * (when there is one); a MEDIUM or HIGH container at start is also printed. Both are synchronized:
 * a start report is never built while the inventory is being read.
 */
public final class AuditReporter {
    private final AuditService audit;
    private final java.util.function.Consumer<Object> out;
    private volatile EscapeSurfaceReport last;
    private final io.bulwark.contract.AlertDetail.Node node = io.bulwark.sensor.alert.NodeIdentity.detect();

    public AuditReporter(AuditService audit, java.util.function.Consumer<Object> out) {
        this.audit = audit;
        this.out = out;
    }

    /** The whole node: a report of scope {@code node}. */
    public synchronized EscapeSurfaceReport periodic() {
        EscapeSurfaceReport r = audit.run();
        last = r;
        if (out != null) {
            out.accept(ReportEnvelope.of(r));
        }
        return r;
    }

    /** One container that just appeared: a report of scope {@code container}. */
    public synchronized void containerStarted(ContainerInfo c) {
        EscapeSurfaceReport.ContainerRisk risk = audit.assess(c);
        EscapeSurfaceReport r = EscapeSurfaceReport.of(java.time.Instant.now().toString(), EscapeSurfaceReport.SCOPE_CONTAINER,
                node, List.of(risk),
                new EscapeSurfaceReport.Summary(1, risk.band() == EscapeSurfaceReport.Band.HIGH ? 1 : 0,
                        risk.band() == EscapeSurfaceReport.Band.MEDIUM ? 1 : 0, risk.band() == EscapeSurfaceReport.Band.LOW ? 1 : 0));
        if (out != null) {
            out.accept(ReportEnvelope.of(r));
        }
        if (risk.band() != EscapeSurfaceReport.Band.LOW) {
            System.out.println(r.time() + " AUDIT container " + risk.name() + " (" + risk.runtime() + ") escape surface "
                    + risk.band() + " score " + risk.score() + ": "
                    + String.join(", ", risk.factors().stream().map(EscapeSurfaceReport.Factor::id).toList()));
            System.out.flush();
        }
    }

    public EscapeSurfaceReport last() {
        return last;
    }
}
