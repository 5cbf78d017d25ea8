package io.bulwark.sensor.rules;

import static io.bulwark.sensor.rules.YamlNodes.bool;
import static io.bulwark.sensor.rules.YamlNodes.mapping;
import static io.bulwark.sensor.rules.YamlNodes.scalar;

import io.bulwark.contract.Priority;
import io.bulwark.sensor.rules.condition.Origin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Second stage of a load (Falco's collector): the items of every file, in load order, into one set of
 * lists, macros and rules. A later item with {@code append: true} or {@code override: {key: append|replace}}
 * changes the earlier one of its name; a rule item with only {@code enabled} switches it; a redefinition
 * replaces it. Exceptions are kept as written (the expander reads them). Nothing is parsed or compiled here.
 */
final class RuleCollector implements RuleReader.Items {

    private static final Set<String> RULE_KEYS = Set.of("rule", "condition", "output", "desc", "priority", "tags", "enabled",
            "source", "exceptions", "append", "override", "warn_evttypes", "skip-if-unknown-filter", "capture",
            "capture_duration");
    private static final Set<String> APPENDABLE = Set.of("condition", "output", "desc", "tags", "exceptions");
    private static final Set<String> REPLACEABLE = Set.of("condition", "output", "desc", "priority", "tags", "exceptions",
            "enabled", "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration");

    /** A list as collected: its items as written (names of other lists are resolved by the compiler). */
    static final class ListItem {
        final String name;
        final Origin.Position pos;
        final List<ScalarNode> items = new ArrayList<>();

        ListItem(String name, Origin.Position pos) {
            this.name = name;
            this.pos = pos;
        }
    }

    /** A macro as collected: its condition text after appends, and where each character came from. */
    static final class MacroItem {
        final String name;
        final Origin.Position pos;
        String condition;
        Origin origin;

        MacroItem(String name, Origin.Position pos) {
            this.name = name;
            this.pos = pos;
        }
    }

    /** An exception as written: fields and comps (a scalar or a sequence) and its values. */
    static final class ExceptionItem {
        String name;
        Origin.Position pos;
        Node fields;
        Node comps;
        final List<Node> values = new ArrayList<>();
    }

    /** A rule as collected; {@code itemErrors} non-empty means it is reported as ERROR without compiling. */
    static final class RuleItem {
        final String name;
        Origin.Position pos;
        String condition;
        Origin condOrigin;
        String output;
        Origin outOrigin;
        String desc;
        Priority priority;
        List<String> tags = new ArrayList<>();
        boolean enabled = true;
        String source;
        boolean skipIfUnknownFilter;
        final List<ExceptionItem> exceptions = new ArrayList<>();
        final List<String> itemErrors = new ArrayList<>();

        RuleItem(String name, Origin.Position pos) {
            this.name = name;
            this.pos = pos;
        }
    }

    private final LoadProblems problems;
    final Map<String, ListItem> lists = new LinkedHashMap<>();
    final Map<String, MacroItem> macros = new LinkedHashMap<>();
    final Map<String, RuleItem> rules = new LinkedHashMap<>();
    /** The document of the item being collected. */
    private RuleReader.Document doc;

    RuleCollector(LoadProblems problems) {
        this.problems = problems;
    }

    @Override
    public void item(RuleReader.Document doc, MappingNode map, Map<String, Node> m) {
        this.doc = doc;
        if (m.containsKey("rule")) {
            rule(map, m);
        } else if (m.containsKey("macro")) {
            macro(map, m);
        } else if (m.containsKey("list")) {
            list(map, m);
        } else if (m.containsKey("required_engine_version")) {
            String v = scalar(m.get("required_engine_version"));
            problem(map, "required_engine_version", null, ProblemCode.LOAD_UNCHECKED_REQUIREMENT,
                    "required_engine_version " + v + " accepted: Bulwark implements Falco's rule syntax but has no engine version to compare");
        } else if (m.containsKey("required_plugin_versions")) {
            Node pv = m.get("required_plugin_versions");
            List<String> plugins = new ArrayList<>();
            if (pv instanceof SequenceNode ps) {
                for (Node p : ps.getValue()) {
                    if (p instanceof MappingNode pm) {
                        Map<String, Node> pmap = mapping(pm);
                        plugins.add(scalar(pmap.get("name")) + " " + scalar(pmap.get("version")));
                    }
                }
            }
            problem(map, "required_plugin_versions", null, ProblemCode.LOAD_UNCHECKED_REQUIREMENT,
                    "plugins " + plugins + " accepted without checking: Bulwark provides container and k8s fields itself");
        } else {
            problem(map, "item", null, ProblemCode.LOAD_UNKNOWN_ITEM,
                    "unknown item with keys " + m.keySet() + " ignored (expected rule, macro, list, required_engine_version, required_plugin_versions)");
        }
    }

    // ------------------------------------------------------------------------------------------ lists

    private void list(MappingNode node, Map<String, Node> m) {
        String name = nameOf(m, "list");
        if (name == null) {
            return;
        }
        unknownKeys(m, Set.of("list", "items", "append", "override"), "list", name);
        Mode mode = mode(m, "list", name, Set.of("items"), Set.of("items"));
        if (mode == null) {
            return;
        }
        Node itemsNode = m.get("items");
        if (itemsNode == null) {
            problem(node, "list", name, ProblemCode.LOAD_ERR_YAML_VALIDATE, "list has no 'items'");
            return;
        }
        if (!(itemsNode instanceof SequenceNode seq)) {
            problem(itemsNode, "list", name, ProblemCode.LOAD_ERR_YAML_VALIDATE, "'items' must be a sequence");
            return;
        }
        List<ScalarNode> items = new ArrayList<>();
        for (Node n : seq.getValue()) {
            if (n instanceof ScalarNode sn) {
                items.add(sn);
            } else {
                problem(n, "list", name, ProblemCode.LOAD_ERR_YAML_VALIDATE, "list items must be strings");
            }
        }
        ListItem existing = lists.get(name);
        String how = mode.how("items");
        if (how != null) {
            if (existing == null) {
                problem(node, "list", name, ProblemCode.LOAD_ERR_VALIDATE, "list has '" + mode.word() + "' but no list by that name is defined before");
                return;
            }
            if (how.equals("replace")) {
                existing.items.clear();
            }
            existing.items.addAll(items);
            return;
        }
        ListItem li = new ListItem(name, doc.pos(node));
        li.items.addAll(items);
        lists.put(name, li);
    }

    // ------------------------------------------------------------------------------------------ macros

    private void macro(MappingNode node, Map<String, Node> m) {
        String name = nameOf(m, "macro");
        if (name == null) {
            return;
        }
        unknownKeys(m, Set.of("macro", "condition", "append", "override", "source"), "macro", name);
        Mode mode = mode(m, "macro", name, Set.of("condition"), Set.of("condition"));
        if (mode == null) {
            return;
        }
        Node cond = m.get("condition");
        if (!(cond instanceof ScalarNode cs)) {
            problem(cond == null ? node : cond, "macro", name, ProblemCode.LOAD_ERR_YAML_VALIDATE,
                    cond == null ? "macro has no 'condition'" : "'condition' must be a string");
            return;
        }
        Origin origin = doc.origin(cs);
        MacroItem existing = macros.get(name);
        String how = mode.how("condition");
        if (how != null) {
            if (existing == null) {
                problem(node, "macro", name, ProblemCode.LOAD_ERR_VALIDATE, "macro has '" + mode.word() + "' but no macro by that name is defined before");
                return;
            }
            if (how.equals("append")) {
                existing.origin = Origin.concat(existing.origin, existing.condition.length(), origin);
                existing.condition = existing.condition + " " + cs.getValue();
            } else {
                existing.condition = cs.getValue();
                existing.origin = origin;
            }
            return;
        }
        MacroItem mi = new MacroItem(name, doc.pos(node));
        mi.condition = cs.getValue();
        mi.origin = origin;
        macros.put(name, mi);
    }

    // ------------------------------------------------------------------------------------------ rules

    private void rule(MappingNode node, Map<String, Node> m) {
        String name = nameOf(m, "rule");
        if (name == null) {
            return;
        }
        unknownKeys(m, RULE_KEYS, "rule", name);
        Set<String> present = new LinkedHashSet<>(m.keySet());
        present.removeAll(Set.of("rule", "append", "override"));
        Mode mode = mode(m, "rule", name, APPENDABLE, REPLACEABLE);
        if (mode == null) {
            return;
        }
        RuleItem existing = rules.get(name);
        boolean enabledOnly = present.equals(Set.of("enabled")) && !mode.legacyAppend && mode.override == null;
        if (mode.legacyAppend || mode.override != null || enabledOnly) {
            if (existing == null) {
                problem(node, "rule", name, ProblemCode.LOAD_ERR_VALIDATE, enabledOnly
                        ? "rule sets only 'enabled' but no rule by that name is defined before"
                        : "rule has '" + mode.word() + "' but no rule by that name is defined before");
                return;
            }
            for (String key : present) {
                String how = enabledOnly ? "replace" : mode.how(key);
                if (how == null) {
                    if (mode.legacyAppend && (key.equals("enabled") || key.equals("priority"))) {
                        how = "replace";
                    } else if (mode.legacyAppend) {
                        problem(m.get(key), "rule", name, ProblemCode.LOAD_ERR_VALIDATE, "'" + key + "' cannot be appended");
                        continue;
                    } else {
                        problem(m.get(key), "rule", name, ProblemCode.LOAD_ERR_VALIDATE,
                                "key '" + key + "' is not named in 'override' (say append or replace for it)");
                        continue;
                    }
                }
                apply(existing, key, m.get(key), how.equals("append"));
            }
            return;
        }
        RuleItem ri = new RuleItem(name, doc.pos(node));
        for (String required : List.of("condition", "output", "desc", "priority")) {
            if (!m.containsKey(required)) {
                ri.itemErrors.add("rule has no '" + required + "'");
                problem(node, "rule", name, ProblemCode.LOAD_ERR_YAML_VALIDATE, "rule has no '" + required + "'");
            }
        }
        for (String key : present) {
            apply(ri, key, m.get(key), false);
        }
        rules.remove(name); // a redefinition replaces the rule and takes its new place
        rules.put(name, ri);
    }

    private void apply(RuleItem r, String key, Node v, boolean append) {
        switch (key) {
            case "condition" -> {
                if (!(v instanceof ScalarNode s)) {
                    fail(r, v, "'condition' must be a string");
                    return;
                }
                Origin o = doc.origin(s);
                if (append && r.condition != null) {
                    r.condOrigin = Origin.concat(r.condOrigin, r.condition.length(), o);
                    r.condition = r.condition + " " + s.getValue();
                } else {
                    r.condition = s.getValue();
                    r.condOrigin = o;
                }
            }
            case "output" -> {
                if (!(v instanceof ScalarNode s)) {
                    fail(r, v, "'output' must be a string");
                    return;
                }
                Origin o = doc.origin(s);
                if (append && r.output != null) {
                    r.outOrigin = Origin.concat(r.outOrigin, r.output.length(), o);
                    r.output = r.output + " " + s.getValue();
                } else {
                    r.output = s.getValue();
                    r.outOrigin = o;
                }
            }
            case "desc" -> {
                String d = scalar(v);
                r.desc = append && r.desc != null ? r.desc + " " + d : d;
            }
            case "priority" -> {
                try {
                    r.priority = Priority.parse(scalar(v));
                } catch (IllegalArgumentException e) {
                    r.itemErrors.add(e.getMessage());
                    problem(v, "rule", r.name, ProblemCode.LOAD_ERR_VALIDATE, e.getMessage());
                }
            }
            case "tags" -> {
                if (!(v instanceof SequenceNode seq)) {
                    fail(r, v, "'tags' must be a sequence");
                    return;
                }
                if (!append) {
                    r.tags = new ArrayList<>();
                }
                for (Node t : seq.getValue()) {
                    r.tags.add(scalar(t));
                }
            }
            case "enabled" -> {
                Boolean b = bool(v);
                if (b == null) {
                    fail(r, v, "'enabled' must be true or false");
                } else {
                    r.enabled = b;
                }
            }
            case "skip-if-unknown-filter" -> {
                Boolean b = bool(v);
                r.skipIfUnknownFilter = b != null && b;
            }
            case "source" -> r.source = scalar(v);
            case "exceptions" -> exceptions(r, v, append);
            default -> {
                // warn_evttypes, capture…: accepted, no effect
            }
        }
    }

    private void fail(RuleItem r, Node at, String message) {
        r.itemErrors.add(message);
        problem(at, "rule", r.name, ProblemCode.LOAD_ERR_YAML_VALIDATE, message);
    }

    /** Exceptions as written; appending to an exception of the same name adds its values. */
    private void exceptions(RuleItem r, Node v, boolean append) {
        if (!(v instanceof SequenceNode seq)) {
            fail(r, v, "'exceptions' must be a sequence");
            return;
        }
        if (!append) {
            r.exceptions.clear();
        }
        for (Node en : seq.getValue()) {
            if (!(en instanceof MappingNode em)) {
                fail(r, en, "each exception must be a mapping with name, fields, comps, values");
                continue;
            }
            Map<String, Node> m = mapping(em);
            String name = scalar(m.get("name"));
            if (name == null) {
                fail(r, en, "exception has no 'name'");
                continue;
            }
            ExceptionItem existing = r.exceptions.stream().filter(x -> x.name.equals(name)).findFirst().orElse(null);
            if (existing != null && append) {
                if (m.get("values") instanceof SequenceNode vs) {
                    existing.values.addAll(vs.getValue());
                }
                continue;
            }
            ExceptionItem x = new ExceptionItem();
            x.name = name;
            x.pos = doc.pos(en);
            x.fields = m.get("fields");
            x.comps = m.get("comps");
            if (x.fields == null) {
                fail(r, en, "exception '" + name + "' has no 'fields'");
                continue;
            }
            Node values = m.get("values");
            if (values instanceof SequenceNode vs) {
                x.values.addAll(vs.getValue());
            } else if (values != null) {
                fail(r, values, "exception '" + name + "': 'values' must be a sequence");
                continue;
            }
            if (existing != null) {
                r.exceptions.remove(existing);
            }
            r.exceptions.add(x);
        }
    }

    // ------------------------------------------------------------------------------------------ append / override

    /** How an item changes an earlier one: legacy {@code append: true} or {@code override: {key: append|replace}}. */
    private record Mode(boolean legacyAppend, Map<String, String> override) {
        String how(String key) {
            if (legacyAppend) {
                return key.equals("enabled") || key.equals("priority") ? null : "append";
            }
            return override == null ? null : override.get(key);
        }

        String word() {
            return legacyAppend ? "append: true" : "override";
        }
    }

    private Mode mode(Map<String, Node> m, String type, String name, Set<String> appendable, Set<String> replaceable) {
        Node ap = m.get("append");
        Node ov = m.get("override");
        boolean append = false;
        if (ap != null) {
            Boolean b = bool(ap);
            if (b == null) {
                problem(ap, type, name, ProblemCode.LOAD_ERR_YAML_VALIDATE, "'append' must be true or false");
                return null;
            }
            append = b;
        }
        Map<String, String> override = null;
        if (ov != null) {
            if (append) {
                problem(ov, type, name, ProblemCode.LOAD_ERR_VALIDATE, "an item cannot have both 'append' and 'override'");
                return null;
            }
            if (!(ov instanceof MappingNode om)) {
                problem(ov, type, name, ProblemCode.LOAD_ERR_YAML_VALIDATE, "'override' must map keys to append or replace");
                return null;
            }
            override = new LinkedHashMap<>();
            for (NodeTuple t : om.getValue()) {
                String key = scalar(t.getKeyNode());
                String how = scalar(t.getValueNode());
                if (!"append".equals(how) && !"replace".equals(how)) {
                    problem(t.getValueNode(), type, name, ProblemCode.LOAD_ERR_VALIDATE, "override of '" + key + "' must be append or replace, not '" + how + "'");
                    return null;
                }
                if ((how.equals("append") ? appendable : replaceable).contains(key)) {
                    if (!m.containsKey(key)) {
                        problem(t.getKeyNode(), type, name, ProblemCode.LOAD_ERR_VALIDATE, "override names '" + key + "' but the item has no '" + key + "'");
                        return null;
                    }
                    override.put(key, how);
                } else {
                    problem(t.getKeyNode(), type, name, ProblemCode.LOAD_ERR_VALIDATE, "'" + key + "' cannot be overridden with " + how
                            + " (allowed: " + (how.equals("append") ? appendable : replaceable).stream().sorted().collect(Collectors.joining(", ")) + ")");
                    return null;
                }
            }
        }
        return new Mode(append, override);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private String nameOf(Map<String, Node> m, String kind) {
        Node n = m.get(kind);
        String name = scalar(n);
        if (name == null || name.isBlank()) {
            problem(n, kind, null, ProblemCode.LOAD_ERR_YAML_VALIDATE, kind + " needs a name: - " + kind + ": <name>");
            return null;
        }
        return name;
    }

    private void unknownKeys(Map<String, Node> m, Set<String> known, String type, String name) {
        for (Map.Entry<String, Node> e : m.entrySet()) {
            if (!known.contains(e.getKey())) {
                problem(e.getValue(), type, name, ProblemCode.LOAD_UNKNOWN_KEY, "unknown key '" + e.getKey() + "' ignored");
            }
        }
    }

    private void problem(Node at, String type, String item, ProblemCode code, String reason) {
        problems.at(doc.file(), at, type, item, code, reason);
    }
}
