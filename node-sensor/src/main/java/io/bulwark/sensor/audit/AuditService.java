package io.bulwark.sensor.audit;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.EscapeSurfaceReport;
import io.bulwark.contract.EscapeSurfaceReport.Band;
import io.bulwark.contract.EscapeSurfaceReport.ContainerRisk;
import io.bulwark.sensor.enrich.ContainerResolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The escape-surface audit of this node (workflow 3). The sensor's {@code up} loop calls
 * {@link #run()} periodically and when a container starts, and emits the result as an
 * {@code Escape Surface Report} event; {@code bulwark audit} calls it once.
 *
 * <p>Running and created containers are audited; stopped ones (state left behind) are not,
 * unless {@code includeStopped}. Containers are sorted by score, highest first.
 */
public final class AuditService {
    private final ContainerResolver resolver;
    private final EscapeSurfaceAuditor auditor;
    private final boolean includeStopped;

    /** Default weights, the standard runtime state locations. */
    public AuditService() {
        this(new ContainerResolver(), Weights.defaults(), false);
    }

    /** Shares the sensor's resolver (refreshed by each run). */
    public AuditService(ContainerResolver resolver, Weights weights) {
        this(resolver, weights, false);
    }

    public AuditService(ContainerResolver resolver, Weights weights, boolean includeStopped) {
        this.resolver = resolver;
        this.auditor = new EscapeSurfaceAuditor(weights, resolver.roots().host());
        this.includeStopped = includeStopped;
    }

    public ContainerResolver resolver() {
        return resolver;
    }

    public Weights weights() {
        return auditor.weights();
    }

    /**
     * Refreshes the container inventory and scores every container: a report of scope
     * {@code node} (the complete inventory). Its time is taken before the inventory is read, so a
     * container missing from it was not running when it was read (at or after that time), and a
     * container that starts during the run has a start report newer than this one (the cluster
     * view compares these times before removing anything). Never throws for one bad container.
     */
    public EscapeSurfaceReport run() {
        Instant time = Instant.now();
        resolver.refresh();
        List<ContainerRisk> risks = new ArrayList<>();
        for (ContainerInfo c : resolver.all()) {
            if (includeStopped || !"stopped".equals(c.status())) {
                risks.add(auditor.assess(c));
            }
        }
        risks.sort(Comparator.comparingInt(ContainerRisk::score).reversed()
                .thenComparing(r -> r.band().ordinal(), Comparator.reverseOrder())
                .thenComparing(ContainerRisk::name));
        int high = count(risks, Band.HIGH);
        int medium = count(risks, Band.MEDIUM);
        int low = count(risks, Band.LOW);
        return EscapeSurfaceReport.of(time.toString(), EscapeSurfaceReport.SCOPE_NODE, node(), List.copyOf(risks),
                new EscapeSurfaceReport.Summary(risks.size(), high, medium, low));
    }

    /** One container's risk, without refreshing. */
    public ContainerRisk assess(ContainerInfo container) {
        return auditor.assess(container);
    }

    private static int count(List<ContainerRisk> risks, Band band) {
        return (int) risks.stream().filter(r -> r.band() == band).count();
    }

    static AlertDetail.Node node() {
        return new AlertDetail.Node(read("/proc/sys/kernel/hostname"), null, read("/proc/sys/kernel/osrelease"));
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).strip();
        } catch (IOException e) {
            return null;
        }
    }
}
