package io.bulwark.functions.audit;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.ClusterEscapeSurfaceReport;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.EscapeSurfaceFinding;
import io.bulwark.contract.EscapeSurfaceReport;
import io.bulwark.contract.FindingEnvelope;
import io.bulwark.contract.ReportEnvelope;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Every type Jackson reads or writes here lives in the contract module, outside Quarkus's index,
 * and is reached through {@code Json.mapper()} rather than a REST signature: a native image would
 * not keep their constructors and accessors unless listed. Native builds are untested (no
 * GraalVM/Mandrel on the build machines, docs/audit-aggregation.md).
 */
@RegisterForReflection(targets = {
        ReportEnvelope.class, EscapeSurfaceReport.class, EscapeSurfaceReport.ContainerRisk.class, EscapeSurfaceReport.Factor.class,
        EscapeSurfaceReport.Band.class, EscapeSurfaceReport.Summary.class, AlertDetail.Node.class, ContainerInfo.K8s.class,
        ClusterEscapeSurfaceReport.class, ClusterEscapeSurfaceReport.Trigger.class, ClusterEscapeSurfaceReport.NodeEntry.class,
        ClusterEscapeSurfaceReport.Container.class, ClusterEscapeSurfaceReport.Pod.class, ClusterEscapeSurfaceReport.Owner.class,
        ClusterEscapeSurfaceReport.SecurityContext.class, ClusterEscapeSurfaceReport.HostPathVolume.class,
        ClusterEscapeSurfaceReport.NamespaceSummary.class, ClusterEscapeSurfaceReport.Enrichment.class,
        ClusterEscapeSurfaceReport.Findings.class, ClusterEscapeSurfaceReport.Emitted.class, ClusterEscapeSurfaceReport.Expired.class, ClusterEscapeSurfaceReport.Removed.class,
        ClusterEscapeSurfaceReport.ClusterPointer.class, EscapeSurfaceFinding.class, FindingEnvelope.class, AggregationResult.class})
final class NativeReflection {
    private NativeReflection() {}
}
