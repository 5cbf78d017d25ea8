package io.bulwark.functions.aws;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.ClusterEscapeSurfaceReport;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.EscapeSurfaceFinding;
import io.bulwark.contract.EscapeSurfaceReport;
import io.bulwark.contract.FindingEnvelope;
import io.bulwark.contract.Incident;
import io.bulwark.contract.IncidentEnvelope;
import io.bulwark.contract.ReportEnvelope;
import io.bulwark.functions.audit.AggregationResult;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Every type Jackson reads or writes in the functions lives in the contract module, outside Quarkus's index,
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
        ClusterEscapeSurfaceReport.ClusterPointer.class, EscapeSurfaceFinding.class, FindingEnvelope.class, AggregationResult.class,
        Incident.class, Incident.Node.class, Incident.Container.class, Incident.Severity.class, Incident.RootCause.class, Incident.Cve.class,
        Incident.Remediation.class, Incident.Action.class, Incident.Evidence.class, IncidentEnvelope.class, AlertDetail.class,
        AlertDetail.Sensor.class, io.bulwark.contract.AlertEnvelope.class, ContainerInfo.class, ContainerInfo.Mount.class,
        io.bulwark.contract.ProcessInfo.class, io.bulwark.contract.ProcessInfo.Ancestor.class, io.bulwark.contract.ProcessInfo.Namespaces.class,
        io.bulwark.contract.Syscall.class})
public final class NativeReflection {
    private NativeReflection() {}
}
