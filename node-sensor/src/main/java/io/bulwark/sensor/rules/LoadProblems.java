package io.bulwark.sensor.rules;

import io.bulwark.sensor.rules.condition.Origin;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The problems of one load, every stage's: errors and warnings in the order they were found, each reported
 * once (a macro used by ten rules is broken once).
 */
final class LoadProblems {
    private final List<LoadProblem> errors = new ArrayList<>();
    private final List<LoadProblem> warnings = new ArrayList<>();
    private final Set<LoadProblem> seen = new HashSet<>();

    /** Adds an error or a warning (by its code), unless the same problem was reported before. */
    void add(LoadProblem p) {
        if (seen.add(p)) {
            (p.isError() ? errors : warnings).add(p);
        }
    }

    /** A file that cannot be read: reported as it comes (no two reads are the same problem). */
    void unreadable(LoadProblem p) {
        errors.add(p);
    }

    /** A problem at a YAML node of {@code file} (line and column 0 without a node). */
    void at(String file, Node at, String type, String item, ProblemCode code, String reason) {
        Mark m = at == null ? null : at.getStartMark();
        add(new LoadProblem(file, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1, type, item, code, reason));
    }

    /** A problem at a position of a condition, an output or an item. */
    void at(Origin.Position p, String type, String item, ProblemCode code, String reason) {
        add(new LoadProblem(p.file(), p.line(), p.column(), type, item, code, reason));
    }

    List<LoadProblem> errors() {
        return List.copyOf(errors);
    }

    List<LoadProblem> warnings() {
        return List.copyOf(warnings);
    }
}
