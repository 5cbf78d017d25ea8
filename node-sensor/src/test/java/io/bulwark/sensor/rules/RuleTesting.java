package io.bulwark.sensor.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.bulwark.contract.SensorEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** Helpers shared by the rule tests. */
final class RuleTesting {
    private RuleTesting() {}

    static LoadResult load(String yaml) {
        return new RuleLoader().loadSources(List.of(new RuleLoader.Source("test.yaml", yaml)));
    }

    /** Loads {@code yaml}, failing the test on any error. */
    static RuleEngine engine(String yaml) {
        LoadResult r = load(yaml);
        if (r.hasErrors()) {
            fail("unexpected errors:\n" + r.errors().stream().map(LoadProblem::format).collect(Collectors.joining("\n")));
        }
        return r.engine();
    }

    /** A one-rule file with {@code condition}. */
    static String rule(String condition) {
        return "- rule: r\n  desc: d\n  condition: " + condition + "\n  output: o\n  priority: WARNING\n";
    }

    static boolean matches(String condition, Ev ev) {
        RuleEngine e = engine(rule(condition));
        assertEquals(1, e.rules().size(), "the rule should load");
        return !e.evaluate(ev.build()).isEmpty();
    }

    static List<String> fired(RuleEngine e, SensorEvent ev) {
        return e.evaluate(ev).stream().map(m -> m.rule().name()).toList();
    }

    /**
     * Falco's rule files: {@code -Dbulwark.falcoRules=DIR}, else {@code shared/compat/falco-rules} in the
     * nearest directory above the working directory (the repository's parent in CI, /work locally).
     */
    static Path falcoRules() {
        String prop = System.getProperty("bulwark.falcoRules");
        if (prop != null) {
            return Path.of(prop);
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path c = d.resolve("shared/compat/falco-rules");
            if (Files.isDirectory(c)) {
                return c;
            }
        }
        fail("Falco rule corpus not found: expected shared/compat/falco-rules beside the repository (above "
                + Path.of("").toAbsolutePath() + "), or set -Dbulwark.falcoRules=DIR");
        return null;
    }
}
