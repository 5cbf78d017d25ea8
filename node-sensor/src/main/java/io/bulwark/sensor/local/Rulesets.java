package io.bulwark.sensor.local;

import io.bulwark.sensor.rules.LoadProblem;
import io.bulwark.sensor.rules.LoadResult;
import io.bulwark.sensor.rules.RuleEngine;
import io.bulwark.sensor.rules.RuleLoader;
import io.bulwark.sensor.rules.RuleReport;
import io.bulwark.sensor.rules.RuleStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads the built-in escape ruleset (shipped in the jar) followed by the user's files, which
 * may append to or override it. Errors stop the load with every problem listed; rules that use
 * a field the engine lacks are reported by name, never silently dropped.
 */
public final class Rulesets {
    /** The rule files could not be loaded; the message lists every problem. */
    public static class RulesException extends Exception {
        public RulesException(String message) {
            super(message);
        }
    }

    public static final String BUILTIN = "/rules/bulwark_escape_rules.yaml";
    public static final String BUILTIN_NAME = "builtin:bulwark_escape_rules.yaml";

    private Rulesets() {}

    /** The built-in ruleset's text. */
    public static String builtinText() {
        try (InputStream in = Rulesets.class.getResourceAsStream(BUILTIN)) {
            if (in == null) {
                throw new IllegalStateException(BUILTIN + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + BUILTIN + ": " + e.getMessage(), e);
        }
    }

    public static LoadResult loadResult(boolean builtin, List<Path> extra) {
        List<RuleLoader.Source> sources = new ArrayList<>();
        if (builtin) {
            sources.add(new RuleLoader.Source(BUILTIN_NAME, builtinText()));
        }
        List<String> unreadable = new ArrayList<>();
        for (Path p : extra) {
            try {
                sources.add(new RuleLoader.Source(p.toString(), Files.readString(p)));
            } catch (IOException e) {
                unreadable.add(p + ": cannot read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
            }
        }
        if (!unreadable.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", unreadable));
        }
        return new RuleLoader().loadSources(sources);
    }

    /** Loads and returns the engine; warnings and unsupported rules go to {@code warnings}. */
    public static RuleEngine load(boolean builtin, List<Path> extra, PrintStream warnings) throws RulesException {
        LoadResult r;
        try {
            r = loadResult(builtin, extra);
        } catch (IllegalArgumentException e) {
            throw new RulesException(e.getMessage());
        }
        if (r.hasErrors()) {
            StringBuilder sb = new StringBuilder("rule files have errors:");
            for (LoadProblem p : r.errors()) {
                sb.append("\n  ").append(p.format());
            }
            throw new RulesException(sb.toString());
        }
        for (LoadProblem p : r.warnings()) {
            warnings.println("bulwark: warning: " + p.format());
        }
        for (RuleReport rr : r.rules()) {
            if (rr.status() == RuleStatus.UNSUPPORTED) {
                warnings.println("bulwark: rule not loaded: " + rr.file() + ":" + rr.line() + " " + rr.name() + ": " + rr.reason());
            }
        }
        return r.engine();
    }
}
