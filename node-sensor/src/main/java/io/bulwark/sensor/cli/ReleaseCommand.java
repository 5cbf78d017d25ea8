package io.bulwark.sensor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.ActionRecord;
import io.bulwark.contract.Json;
import io.bulwark.contract.StableId;
import io.bulwark.sensor.act.CommandSpool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "release", mixinStandardHelpOptions = true,
        description = {
            "Undo an incident's containment on this node: thaw every container the incident froze.",
            "",
            "Reads the node's action audit (DIR/actions.jsonl, written by 'bulwark up --commands DIR'), finds the "
                    + "containers the incident froze, and writes one thaw command per container into the command "
                    + "spool DIR, which the running sensor executes (guardrails and audit as for any action). Waits "
                    + "for the results and prints them. Releasing twice is harmless: the same freeze gives the same "
                    + "command id, and a replayed command does nothing.",
            "",
            "Exit status: 0 released (or already released), 1 nothing to release, 2 bad input, 3 written but not "
                    + "executed within --wait seconds (is 'bulwark up --commands DIR' running?).",
            "",
            "Examples:",
            "  bulwark release b6138668-5961-8328-b40e-fa37925a6707",
            "  bulwark release INCIDENT --commands /var/lib/bulwark/commands --wait 30"
        })
public class ReleaseCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "INCIDENT", description = "The incident id (an alert's sensor.incident).")
    String incident;

    @Option(names = "--commands", paramLabel = "DIR", defaultValue = "var/commands",
            description = "The sensor's command spool (its --commands; default ${DEFAULT-VALUE}, as ./bulwark up uses).")
    Path commands;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "10",
            description = "Wait up to this long for the sensor to run the thaws (default ${DEFAULT-VALUE}; 0 = do not wait).")
    int waitSeconds;

    @Option(names = "--requested-by", paramLabel = "WHO", description = "Who asks, for the audit record (default: bulwark-release:$USER).")
    String requestedBy;

    @Override
    public Integer call() throws Exception {
        Path log = commands.resolve("actions.jsonl");
        if (!Files.isRegularFile(log)) {
            System.err.println("bulwark release: " + log + " not found: is " + commands + " the directory 'bulwark up --commands' uses?");
            return 2;
        }
        // container -> the id of the last freeze record of this incident for it
        Map<String, String> frozen = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.isBlank()) {
                continue;
            }
            ActionRecord r;
            try {
                r = Json.parse(l, ActionRecord.class);
            } catch (IllegalArgumentException e) {
                System.err.println("bulwark release: " + log + ":" + (i + 1) + ": skipped, not an action record: " + e.getMessage());
                continue;
            }
            if (incident.equals(r.incident()) && "freeze".equals(r.action()) && ActionRecord.DONE.equals(r.result())
                    && r.target() != null && r.target().container() != null) {
                frozen.put(r.target().container(), r.id());
            }
        }
        if (frozen.isEmpty()) {
            System.out.println("incident " + incident + " froze no container on this node (" + log + "): nothing to release");
            return 1;
        }
        String who = requestedBy != null ? requestedBy : "bulwark-release:" + System.getProperty("user.name", "unknown");
        Map<String, String> ids = new LinkedHashMap<>();
        for (Map.Entry<String, String> f : frozen.entrySet()) {
            String id = "release-" + StableId.of("release", incident, f.getKey(), f.getValue());
            ids.put(f.getKey(), id);
            Path done = commands.resolve("done").resolve(id + ".json");
            Path cmd = commands.resolve(id + ".json");
            if (Files.exists(done) || Files.exists(cmd)) {
                continue; // released before (or waiting): the same command again would be a replay
            }
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("id", id);
            c.put("incident", incident);
            c.put("action", "thaw");
            c.put("target", Map.of("container", f.getKey()));
            c.put("requested_by", who);
            c.put("issued_at", Instant.now().toString());
            CommandSpool.writeAtomically(cmd, (Json.line(c) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
        int pending = 0;
        for (Map.Entry<String, String> e : ids.entrySet()) {
            Path done = commands.resolve("done").resolve(e.getValue() + ".json");
            while (!Files.exists(done) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            if (!Files.exists(done)) {
                pending++;
                System.out.println("written, not run yet: thaw " + e.getKey() + " (" + commands.resolve(e.getValue() + ".json") + ")");
                continue;
            }
            JsonNode rec = Json.mapper().readTree(Files.readString(done)).path("record");
            String result = rec.path("result").asText();
            System.out.println(("done".equals(result) ? "released " : "NOT released ") + e.getKey() + ": thaw " + result
                    + (rec.path("reason").isNull() || rec.path("reason").isMissingNode() ? "" : " (" + rec.path("reason").asText() + ")")
                    + (rec.path("params").has("thawed") ? ", thawed " + rec.path("params").path("thawed") : "")
                    + " [command " + e.getValue() + "]");
        }
        if (pending > 0) {
            System.err.println("bulwark release: " + pending + " thaw command(s) not run within " + waitSeconds
                    + " s: is 'bulwark up --commands " + commands + "' running on this node?");
            return 3;
        }
        return 0;
    }
}
