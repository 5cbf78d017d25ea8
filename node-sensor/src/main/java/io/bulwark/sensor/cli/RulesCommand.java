package io.bulwark.sensor.cli;

import io.bulwark.contract.Json;
import io.bulwark.sensor.rules.LoadProblem;
import io.bulwark.sensor.rules.LoadResult;
import io.bulwark.sensor.rules.RuleLoader;
import io.bulwark.sensor.rules.RuleReport;
import io.bulwark.sensor.rules.RuleStatus;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bulwark rules …}: work with Falco-syntax rule files. */
@Command(name = "rules", mixinStandardHelpOptions = true,
        description = {"Work with Falco-syntax rule files (language: docs/rules.md, fields: docs/fields.md)."},
        subcommands = {RulesCommand.Check.class})
public class RulesCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {
                "Load rule files in order (later files append to and override earlier ones) and report",
                "every problem in one pass: file:line:col item: reason [CODE].",
                "",
                "Exit code: 0 when there are no errors, 1 when there are (with --strict, unsupported",
                "rules count as errors too), 2 on bad usage.",
                "",
                "Example:",
                "  bulwark rules check /etc/falco/falco_rules.yaml my_rules.yaml",
                "  bulwark rules check --json my_rules.yaml | jq '.rules[] | select(.status != \"loaded\")'"
            })
    public static class Check implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Rule files, loaded in this order.")
        List<Path> files;

        @Option(names = "--json", description = "Print one JSON object: rules, errors, warnings, summary.")
        boolean json;

        @Option(names = "--strict", description = "Exit 1 when a rule is unsupported (uses a field or source Bulwark lacks).")
        boolean strict;

        @Option(names = "--quiet", description = "Text output: only errors and the summary, no warnings.")
        boolean quiet;

        @Override
        public Integer call() {
            LoadResult r = new RuleLoader().load(files);
            PrintStream out = System.out;
            if (json) {
                out.println(Json.line(toJson(r)));
            } else {
                printText(r, out);
            }
            boolean failed = r.hasErrors() || strict && r.count(RuleStatus.UNSUPPORTED) > 0;
            return failed ? 1 : 0;
        }

        private void printText(LoadResult r, PrintStream out) {
            for (LoadProblem p : r.errors()) {
                out.println("error: " + p.format());
            }
            if (!quiet) {
                for (LoadProblem p : r.warnings()) {
                    out.println("warning: " + p.format());
                }
            }
            for (RuleReport rr : r.rules()) {
                if (rr.status() == RuleStatus.UNSUPPORTED || rr.status() == RuleStatus.ERROR) {
                    out.println(rr.status().json() + ": " + rr.file() + ":" + rr.line() + " rule '" + rr.name() + "': " + rr.reason());
                }
            }
            r.summary().forEach((file, s) -> out.printf("%s: %d rules: %d loaded, %d disabled, %d unsupported, %d error; %d errors, %d warnings%n",
                    file, s.loaded() + s.disabled() + s.unsupported() + s.error(), s.loaded(), s.disabled(), s.unsupported(), s.error(),
                    s.errors(), s.warnings()));
            out.printf("total: %d loaded, %d disabled, %d unsupported, %d error; %d errors, %d warnings%n",
                    r.count(RuleStatus.LOADED), r.count(RuleStatus.DISABLED), r.count(RuleStatus.UNSUPPORTED), r.count(RuleStatus.ERROR),
                    r.errors().size(), r.warnings().size());
        }

        static Map<String, Object> toJson(LoadResult r) {
            List<Map<String, Object>> rules = new ArrayList<>();
            for (RuleReport rr : r.rules()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", rr.name());
                m.put("file", rr.file());
                m.put("line", rr.line());
                m.put("status", rr.status().json());
                m.put("reason", rr.reason());
                rules.add(m);
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("loaded", r.count(RuleStatus.LOADED));
            summary.put("disabled", r.count(RuleStatus.DISABLED));
            summary.put("unsupported", r.count(RuleStatus.UNSUPPORTED));
            summary.put("error", r.count(RuleStatus.ERROR));
            summary.put("errors", r.errors().size());
            summary.put("warnings", r.warnings().size());
            summary.put("files", r.summary());
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("rules", rules);
            root.put("errors", r.errors().stream().map(Check::problem).toList());
            root.put("warnings", r.warnings().stream().map(Check::problem).toList());
            root.put("summary", summary);
            return root;
        }

        private static Map<String, Object> problem(LoadProblem p) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", p.file());
            m.put("line", p.line());
            m.put("column", p.column());
            m.put("item_type", p.itemType());
            m.put("item", p.item());
            m.put("code", p.code().name());
            m.put("reason", p.reason());
            return m;
        }
    }
}
