package io.bulwark.sensor.rules;

import io.bulwark.sensor.rules.condition.Origin;
import java.io.StringReader;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * First stage of a load (Falco's reader): a rule file's text to YAML nodes that keep their file:line:col.
 * A file that is not YAML, not a sequence, or an item that is not a mapping is reported here; every
 * mapping item goes to the collector in file order.
 */
final class RuleReader {
    private RuleReader() {}

    /** One rule file's text as read: its name (as problems report it) and lines (for positions in scalars). */
    record Document(String file, String[] lines) {
        /** Where a node starts. */
        Origin.Position pos(Node n) {
            Mark m = n.getStartMark();
            return new Origin.Position(file, m.getLine() + 1, m.getColumn() + 1);
        }

        /** Positions of each character of a scalar's value (conditions and outputs point into them). */
        Origin origin(ScalarNode s) {
            return ScalarOrigins.of(file, lines, s);
        }
    }

    /** Receives each item of a file: a mapping and its keys. */
    interface Items {
        void item(Document doc, MappingNode node, Map<String, Node> keys);
    }

    /** Reads {@code source}, reporting what is not a rules file into {@code problems} and each item to {@code items}. */
    static void read(RuleLoader.Source source, LoadProblems problems, Items items) {
        Document doc = new Document(source.name(), source.text().split("\n", -1));
        Node root;
        try {
            LoaderOptions opts = new LoaderOptions();
            opts.setCodePointLimit(64 * 1024 * 1024);
            root = new Yaml(opts).compose(new StringReader(source.text()));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            problems.add(new LoadProblem(doc.file(), m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1, "file", null,
                    ProblemCode.LOAD_ERR_YAML_PARSE, "YAML: " + (e.getContext() != null ? e.getContext() + ", " : "") + e.getProblem()));
            return;
        } catch (YAMLException e) {
            problems.add(new LoadProblem(doc.file(), 0, 0, "file", null, ProblemCode.LOAD_ERR_YAML_PARSE, "YAML: " + e.getMessage()));
            return;
        }
        if (root == null) {
            return;
        }
        if (!(root instanceof SequenceNode seq)) {
            problems.at(doc.file(), root, "file", null, ProblemCode.LOAD_ERR_YAML_VALIDATE, "a rules file is a YAML sequence of items (- rule: …)");
            return;
        }
        for (Node item : seq.getValue()) {
            if (item instanceof MappingNode map) {
                items.item(doc, map, YamlNodes.mapping(map));
            } else {
                problems.at(doc.file(), item, "item", null, ProblemCode.LOAD_ERR_YAML_VALIDATE, "each item must be a mapping (rule, macro, list …)");
            }
        }
    }
}
