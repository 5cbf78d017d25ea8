package io.bulwark.sensor.cli;

import io.bulwark.contract.EscapeSurfaceReport;
import io.bulwark.contract.EscapeSurfaceReport.Band;
import io.bulwark.contract.EscapeSurfaceReport.ContainerRisk;
import io.bulwark.contract.Json;
import io.bulwark.sensor.audit.AuditService;
import io.bulwark.sensor.audit.ReportPrinter;
import io.bulwark.sensor.audit.Weights;
import io.bulwark.sensor.audit.WeightsException;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.enrich.StateRoots;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {
            "Score every container's escape surface (docs/audit.md).",
            "",
            "Reads the runtimes' state (runc, crun, containerd, CRI-O, Docker,",
            "Podman), finds the factors that make an escape possible (privileged,",
            "capabilities, runtime socket, host namespaces, host paths, no seccomp",
            "...) and prints one line per container, highest score first.",
            "A privileged container is always HIGH.",
            "",
            "Exit status: 0 done; 1 bad weights file or unknown --explain id;",
            "2 usage error; 3 a container is at or above the --fail-on band.",
            "",
            "Examples:",
            "  bulwark audit",
            "  bulwark audit --json > report.json",
            "  bulwark audit --explain 3f2a9c       # one container, factor by factor",
            "  bulwark audit --fail-on HIGH         # CI: exit 3 if any is HIGH",
            "  bulwark audit --weights my.yaml      # override weights and bands"
        })
public class AuditCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the Escape Surface Report as JSON (schema: audit.schema.json).")
    boolean json;

    @Option(names = "--weights", paramLabel = "FILE", description = "YAML file overriding factor weights and band thresholds.")
    Path weightsFile;

    @Option(names = "--state-root", paramLabel = "DIR",
            description = "Read runtime state below DIR instead of / (a copy of a node's /run and /var/lib, or a fixture).")
    Path stateRoot;

    @Option(names = "--runc-root", paramLabel = "DIR", description = "runc's --root, when not /run/runc.")
    Path runcRoot;

    @Option(names = "--all", description = "Include stopped containers (state left behind by their runtime).")
    boolean all;

    @Option(names = {"--explain", "-e"}, paramLabel = "ID", description = "Explain one container (id, id prefix or name) factor by factor.")
    String explain;

    @Option(names = {"--verbose", "-v"}, description = "Explain every container after the table.")
    boolean verbose;

    @Option(names = "--fail-on", paramLabel = "BAND", description = "Exit 3 when a container is at least BAND (LOW, MEDIUM or HIGH).")
    Band failOn;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Weights weights;
        try {
            weights = weightsFile == null ? Weights.defaults() : Weights.load(weightsFile);
        } catch (WeightsException e) {
            err.println("bulwark audit: " + e.getMessage());
            return 1;
        }
        StateRoots roots = stateRoot == null ? StateRoots.defaults()
                : StateRoots.under(stateRoot).withProc(Path.of("/proc")).withCgroup(Path.of("/sys/fs/cgroup"));
        if (runcRoot != null) {
            roots = roots.withRunc(runcRoot);
        }
        ContainerResolver resolver = new ContainerResolver(roots);
        // unreadable state files are logged (WARN, naming the file) by the resolver itself
        EscapeSurfaceReport report = new AuditService(resolver, weights, all).run();

        ReportPrinter printer = new ReportPrinter(ReportPrinter.colourWanted(), columns(), weights);
        if (explain != null) {
            List<ContainerRisk> matches = report.containers().stream()
                    .filter(r -> r.id().equals(explain) || r.id().startsWith(explain) || explain.equals(r.name()))
                    .toList();
            if (matches.size() != 1) {
                err.println("bulwark audit: " + (matches.isEmpty() ? "no container matches '" + explain + "'"
                        : matches.size() + " containers match '" + explain + "': give more of the id"));
                return 1;
            }
            out.print(json ? Json.line(matches.get(0)) + "\n" : printer.explain(matches.get(0)));
        } else if (json) {
            try {
                out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            if (report.containers().isEmpty()) {
                out.println("no containers found (looked in " + roots.runc() + ", " + roots.crun() + ", "
                        + roots.containerdRunc() + ", " + roots.dockerRunc() + ")");
            } else {
                out.print(printer.table(report));
            }
            if (verbose) {
                for (ContainerRisk r : report.containers()) {
                    out.println();
                    out.print(printer.explain(r));
                }
            }
        }
        out.flush();
        if (failOn != null && report.containers().stream().anyMatch(r -> r.band().compareTo(failOn) >= 0)) {
            return 3;
        }
        return 0;
    }

    private static int columns() {
        try {
            return Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "100"));
        } catch (NumberFormatException e) {
            return 100;
        }
    }
}
