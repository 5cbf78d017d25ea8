package io.bulwark.sensor.rules;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a load found: each rule's outcome, errors and warnings (every problem, one pass), and the
 * engine over the loaded rules.
 */
public record LoadResult(List<String> files, List<RuleReport> rules, List<LoadProblem> errors, List<LoadProblem> warnings,
                         RuleEngine engine) {

    /** Per-file counts. */
    public record FileSummary(int loaded, int disabled, int unsupported, int error, int errors, int warnings) {}

    public boolean hasErrors() {
        return !errors.isEmpty();
    }

    public long count(RuleStatus status) {
        return rules.stream().filter(r -> r.status() == status).count();
    }

    public long count(String file, RuleStatus status) {
        return rules.stream().filter(r -> r.file().equals(file) && r.status() == status).count();
    }

    /** Counts by file, in load order. */
    public Map<String, FileSummary> summary() {
        Map<String, FileSummary> m = new LinkedHashMap<>();
        for (String f : files) {
            m.put(f, new FileSummary((int) count(f, RuleStatus.LOADED), (int) count(f, RuleStatus.DISABLED),
                    (int) count(f, RuleStatus.UNSUPPORTED), (int) count(f, RuleStatus.ERROR),
                    (int) errors.stream().filter(p -> p.file().equals(f)).count(),
                    (int) warnings.stream().filter(p -> p.file().equals(f)).count()));
        }
        return m;
    }

    public RuleReport rule(String name) {
        return rules.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
    }
}
