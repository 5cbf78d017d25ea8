package io.bulwark.sensor.cli;

import io.bulwark.contract.Json;
import io.bulwark.sensor.integrity.Finding;
import io.bulwark.sensor.integrity.IntegrityChecker;
import io.bulwark.sensor.integrity.IntegrityReport;
import io.bulwark.sensor.probe.BpfException;
import io.bulwark.sensor.probe.EnvironmentException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "integrity", mixinStandardHelpOptions = true,
        description = {
            "Check the running kernel for rootkit hooks, once (docs/integrity.md).",
            "",
            "  pointers   file, inode and seq operations of /proc, /proc/PID,",
            "             /proc/net/{tcp,udp}[6], /proc/kallsyms and / must point to",
            "             the expected kernel functions",
            "  text       syscall handlers and hiding targets not hooked at entry",
            "  bpf        BPF programs calling bpf_probe_write_user or",
            "             bpf_override_return",
            "  processes  processes in the kernel's task list missing from /proc",
            "",
            "A single run has no baseline: changes over time (patched dispatcher",
            "code, new BPF programs, redirected pointers) are found by 'bulwark up',",
            "which checks every --integrity-seconds against its start.",
            "",
            "Exit status: 0 clean; 3 findings; 1 a check could not run (and nothing found);",
            "2 usage error.",
            "",
            "Examples:",
            "  bulwark integrity",
            "  bulwark integrity --json",
            "  bulwark integrity --checks bpf,processes"
        })
public class IntegrityCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--checks", paramLabel = "LIST", split = ",",
            description = "Run only these checks (pointers, text, bpf, processes; default all).")
    List<String> checks;

    @Option(names = "--allow-hook-owner", paramLabel = "OWNER", split = ",",
            description = "Kernel entry hooks of this owner are a known agent's: counted, not reported (as named in a finding: bpf:NAME#ID or bpf:NAME for every load of that program, bpf-trampoline:KEY, ftrace:OPS, module:NAME, ftrace, unknown; a trailing * matches a prefix). Also BULWARK_INTEGRITY_ALLOW.")
    List<String> allowHookOwners;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Set<IntegrityChecker.Check> which = EnumSet.noneOf(IntegrityChecker.Check.class);
        try {
            if (checks != null) {
                for (String c : checks) {
                    which.add(IntegrityChecker.Check.parse(c));
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("bulwark integrity: " + e.getMessage());
            return 2;
        }
        IntegrityReport r;
        try (IntegrityChecker checker = IntegrityChecker.open(which)) {
            if (allowHookOwners != null) {
                checker.allowHookOwners(allowHookOwners);
            }
            r = checker.baseline();
        } catch (EnvironmentException | BpfException | IOException e) {
            err.println("bulwark integrity: " + e.getMessage());
            err.flush();
            return 1;
        }
        if (json) {
            try {
                out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(r));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            out.print(text(r));
        }
        out.flush();
        if (!r.findings().isEmpty()) {
            return 3;
        }
        return r.unavailable().isEmpty() ? 0 : 1;
    }

    /** The human-readable report. */
    static String text(IntegrityReport r) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Map<String, Object>> e : r.checked().entrySet()) {
            b.append(String.format("%-10s checked %s%n", e.getKey(), e.getValue()));
        }
        for (Map.Entry<String, String> e : r.unavailable().entrySet()) {
            b.append(String.format("%-10s NOT RUN: %s%n", e.getKey(), e.getValue()));
        }
        if (r.findings().isEmpty()) {
            b.append("no rootkit hooks found (").append(r.millis()).append(" ms)\n");
        } else {
            b.append(r.findings().size()).append(" finding(s):\n");
            for (Finding f : r.findings()) {
                b.append(f.priority()).append(' ').append(f.rule()).append(": ").append(f.summary()).append('\n');
                for (Map.Entry<String, Object> d : f.details().entrySet()) {
                    b.append("    ").append(d.getKey()).append(": ").append(d.getValue()).append('\n');
                }
            }
        }
        return b.toString();
    }
}
