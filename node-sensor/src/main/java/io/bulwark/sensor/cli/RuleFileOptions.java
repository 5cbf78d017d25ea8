package io.bulwark.sensor.cli;

import io.bulwark.sensor.local.Rulesets;
import io.bulwark.sensor.rules.RuleEngine;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The rule-file options shared by {@code up} and {@code replay}. */
public class RuleFileOptions {
    @Option(names = "--rules", paramLabel = "FILE",
            description = "Extra Falco-syntax rule files, loaded after the built-in escape ruleset (they may append to or override it).")
    List<Path> rules = new ArrayList<>();

    @Option(names = "--no-builtin-rules", description = "Do not load the built-in escape ruleset.")
    boolean noBuiltin;

    /** Loads the rules, or prints every problem prefixed by {@code verb} and returns null. */
    RuleEngine load(String verb, PrintStream err) {
        try {
            return Rulesets.load(!noBuiltin, rules, err);
        } catch (Rulesets.RulesException e) {
            err.println("bulwark " + verb + ": " + e.getMessage());
            return null;
        }
    }
}
