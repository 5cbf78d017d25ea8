package io.bulwark.sensor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.Json;
import io.bulwark.sensor.alert.NodeIdentity;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.evidence.EvidenceCapture;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "evidence", mixinStandardHelpOptions = true,
        description = {
            "Forensic evidence on this node (docs/evidence.md).",
            "",
            "The running sensor captures evidence by itself when a playbook says so (bulwark up --evidence DIR).",
            "These verbs are for a responder at the node."
        },
        subcommands = {EvidenceCommand.Capture.class})
public class EvidenceCommand {

    @Command(name = "capture", mixinStandardHelpOptions = true,
            description = {
                "Capture a container's evidence now, by hand: its process tree and the /proc facts of its "
                        + "processes (environment with secrets redacted, executables hashed), its OCI config, its changed "
                        + "files (overlay upper layer, or files changed since it started) as a zstd tar, its network "
                        + "connections, the host processes of the last 30 s, audit records when auditd runs; then "
                        + "manifest.json (every artifact with its SHA-256), written last.",
                "",
                "Nothing is frozen and there is no event timeline (that is the running sensor's memory). The "
                        + "capture goes to DIR/<id>/ (a new id per capture; it never overwrites anything). Run as root.",
                "",
                "Exit status: 0 captured (errors of single artifacts are listed in the manifest); 1 no such "
                        + "container or the capture failed; 2 usage error.",
                "",
                "Examples:",
                "  bulwark evidence capture --container 3f2a9c",
                "  bulwark evidence capture --container web-1 --max-tar-mib 2048",
                "  bulwark evidence capture --container web-1 --out /var/lib/bulwark/evidence"
            })
    static class Capture implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--container", required = true, paramLabel = "ID",
                description = "The container: full id, unique id prefix, or name (as bulwark audit lists them).")
        String container;

        @Option(names = "--out", paramLabel = "DIR", defaultValue = "var/evidence",
                description = "The evidence spool directory (default ${DEFAULT-VALUE}, created 0700).")
        Path out;

        @Option(names = "--max-tar-mib", paramLabel = "N", defaultValue = "512",
                description = "Most MiB of changed files to archive (default ${DEFAULT-VALUE}); past it files are listed as skipped and the manifest says truncated.")
        long maxTarMib;

        @Option(names = "--reason", paramLabel = "TEXT", defaultValue = "manual capture",
                description = "Why: recorded in the manifest (default '${DEFAULT-VALUE}').")
        String reason;

        @Override
        public Integer call() throws Exception {
            PrintWriter o = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (maxTarMib <= 0) {
                err.println("bulwark evidence capture: --max-tar-mib must be positive, not " + maxTarMib);
                return 2;
            }
            ContainerResolver resolver = new ContainerResolver();
            resolver.refresh();
            Optional<ContainerInfo> c = resolver.byId(container);
            if (c.isEmpty()) {
                c = resolver.all().stream().filter(x -> x.name().equals(container)).findFirst();
            }
            if (c.isEmpty() || !"running".equals(c.get().status()) && !"created".equals(c.get().status())) {
                err.println("bulwark evidence capture: no running container '" + container + "' (running here: "
                        + resolver.all().stream().filter(x -> "running".equals(x.status())).map(x -> x.name()
                                + (x.name().equals(x.id()) ? "" : " (" + x.id().substring(0, Math.min(12, x.id().length())) + ")")).toList() + ")");
                return 1;
            }
            ProcessTable table = new ProcessTable();
            table.scan();
            try (EvidenceCapture capture = new EvidenceCapture(EvidenceCapture.Options.defaults(out).withMaxTarBytes(maxTarMib << 20), table,
                    null, NodeIdentity.detect())) {
                EvidenceCapture.Snapshot s = capture.snapshot(c.get(), reason);
                Path dir;
                try {
                    dir = capture.complete(s).toCompletableFuture().join();
                } catch (java.util.concurrent.CompletionException e) {
                    err.println("bulwark evidence capture: " + (e.getCause() == null ? e : e.getCause().getMessage()));
                    return 1;
                }
                JsonNode m = Json.mapper().readTree(dir.resolve("manifest.json").toFile());
                long bytes = 0;
                for (JsonNode a : m.path("artifacts")) {
                    bytes += a.path("size").asLong();
                }
                o.printf("captured %s (%s): %d artifacts, %s, snapshot %.1f ms%n", c.get().name(), c.get().id(),
                        m.path("artifacts").size(), size(bytes), s.costNanos() / 1e6);
                JsonNode cf = m.path("notes").path("changed_files");
                if (cf.isObject()) {
                    o.printf("changed files: %s, %d files, %s%s%n", cf.path("method").asText(), cf.path("files").asLong(),
                            size(cf.path("raw_bytes").asLong()), cf.path("truncated").asBoolean() ? " (TRUNCATED at the size limit)" : "");
                }
                for (JsonNode e : m.path("errors")) {
                    o.println("error: " + e.asText());
                }
                o.println("manifest: " + dir.resolve("manifest.json"));
                o.flush();
                return 0;
            }
        }

        static String size(long bytes) {
            return bytes < 1024 ? bytes + " bytes" : bytes < 1 << 20 ? String.format("%.1f KiB", bytes / 1024.0)
                    : String.format("%.1f MiB", bytes / 1048576.0);
        }
    }
}
