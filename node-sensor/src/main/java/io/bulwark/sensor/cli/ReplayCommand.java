package io.bulwark.sensor.cli;

import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.contract.Priority;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.alert.AlertFactory;
import io.bulwark.sensor.alert.NodeIdentity;
import io.bulwark.sensor.detect.Detector;
import io.bulwark.sensor.local.JsonLinesFile;
import io.bulwark.sensor.rules.RuleEngine;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {
            "Run events recorded by 'bulwark capture' through the rules, offline (no kernel, no root).",
            "",
            "Prints one line per alert, like 'bulwark up'; --alerts appends the envelopes as JSON lines; "
                    + "--json prints the envelopes on standard output instead of the lines. Coalescing is off unless "
                    + "--coalesce-seconds is given (windows use the events' own timestamps). A line that is not a "
                    + "valid event is reported with its line number and skipped.",
            "",
            "Examples:",
            "  bulwark capture --out ev.jsonl --seconds 60 && bulwark replay ev.jsonl",
            "  bulwark replay ev.jsonl --rules my_rules.yaml --no-builtin-rules --json"
        })
public class ReplayCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "Event file written by 'bulwark capture'.")
    Path events;

    @Mixin
    RuleFileOptions ruleFiles = new RuleFileOptions();

    @Option(names = "--alerts", paramLabel = "FILE", description = "Append alert envelopes to FILE as JSON lines.")
    Path alerts;

    @Option(names = "--json", description = "Print alert envelopes (JSON lines) instead of readable lines.")
    boolean json;

    @Option(names = "--min-priority", paramLabel = "PRIORITY", defaultValue = "DEBUG", description = "Only alerts at or above this priority.")
    String minPriority;

    @Option(names = "--coalesce-seconds", paramLabel = "N", defaultValue = "0", description = "Coalescing window in event time (0 = off).")
    int coalesceSeconds;

    @Override
    public Integer call() throws Exception {
        Priority min = Priority.parse(minPriority);
        RuleEngine engine = ruleFiles.load("replay", System.err);
        if (engine == null) {
            return 1;
        }
        if (!Files.isReadable(events)) {
            System.err.println("bulwark replay: cannot read " + events);
            return 1;
        }
        JsonLinesFile file = alerts == null ? null : new JsonLinesFile(alerts);
        List<Consumer<AlertEnvelope>> sinks = new ArrayList<>();
        sinks.add(a -> {
            if (Priority.parse(a.detail().priority()).atLeast(min)) {
                System.out.println(json ? Json.line(a) : AlertFactory.line(a));
                if (file != null) {
                    file.accept(a);
                }
            }
        });
        long[] eventTime = {0};
        Detector detector = new Detector(engine, new AlertFactory(NodeIdentity.detect(), "local", "replay"),
                coalesceSeconds == 0 ? 0 : coalesceSeconds * 1_000_000_000L, sinks, () -> eventTime[0]);
        int bad = 0;
        int lineNo = 0;
        try (BufferedReader r = Files.newBufferedReader(events, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                SensorEvent e;
                try {
                    e = Json.parse(line, SensorEvent.class);
                    if (e.syscall() == null || e.process() == null) {
                        throw new IllegalArgumentException("missing syscall or process");
                    }
                } catch (IllegalArgumentException ex) {
                    bad++;
                    System.err.println("bulwark replay: " + events + ":" + lineNo + ": skipped, not an event: " + ex.getMessage());
                    continue;
                }
                eventTime[0] = e.time();
                detector.onEvent(e);
            }
        }
        detector.flush();
        if (file != null) {
            file.close();
        }
        System.err.println("bulwark replay: " + detector.events() + " events, " + detector.alerts() + " alerts"
                + (bad > 0 ? ", " + bad + " bad lines" : ""));
        return bad > 0 ? 2 : 0;
    }
}
