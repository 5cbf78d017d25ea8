package io.bulwark.sensor.rules;

import io.bulwark.contract.Priority;
import io.bulwark.sensor.rules.condition.Ast;
import io.bulwark.sensor.rules.condition.ConditionParser;
import io.bulwark.sensor.rules.condition.ConditionSyntaxException;
import io.bulwark.sensor.rules.condition.Origin;
import io.bulwark.sensor.rules.eval.ConditionCompiler;
import io.bulwark.sensor.rules.eval.OutputTemplate;
import io.bulwark.sensor.event.EventSchema;
import io.bulwark.sensor.rules.eval.TypeSet;
import io.bulwark.sensor.rules.fields.FieldRegistry;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Loads Falco rule files: {@code rule}, {@code macro}, {@code list} items with {@code append} and
 * {@code override}, {@code exceptions}, {@code required_engine_version} and
 * {@code required_plugin_versions}. Files load in order; later files append to or override earlier
 * items. Every problem is reported in one pass with file:line:col; a broken item does not stop the rest.
 *
 * <pre>
 * LoadResult r = new RuleLoader().load(List.of(Path.of("falco_rules.yaml")));
 * r.errors().forEach(p -> System.err.println(p.format()));
 * List&lt;RuleMatch&gt; m = r.engine().evaluate(event);
 * </pre>
 */
public final class RuleLoader {

    /** A rule file's name (as reported) and text. */
    public record Source(String name, String text) {}

    private static final Set<String> RULE_KEYS = Set.of("rule", "condition", "output", "desc", "priority", "tags", "enabled",
            "source", "exceptions", "append", "override", "warn_evttypes", "skip-if-unknown-filter", "capture",
            "capture_duration");
    private static final Set<String> APPENDABLE = Set.of("condition", "output", "desc", "tags", "exceptions");
    private static final Set<String> REPLACEABLE = Set.of("condition", "output", "desc", "priority", "tags", "exceptions",
            "enabled", "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration");
    private static final Set<String> LIST_OPS = Set.of("in", "intersects", "pmatch");
    private static final Set<String> OPS = Set.of("=", "==", "!=", "<", "<=", ">", ">=", "contains", "icontains", "bcontains",
            "startswith", "bstartswith", "endswith", "glob", "iglob", "regex", "in", "intersects", "pmatch");

    private final FieldRegistry registry;

    // state of one load
    private final List<LoadProblem> errors = new ArrayList<>();
    private final List<LoadProblem> warnings = new ArrayList<>();
    private final Set<LoadProblem> seen = new HashSet<>();
    private final Map<String, ListItem> lists = new LinkedHashMap<>();
    private final Map<String, MacroItem> macros = new LinkedHashMap<>();
    private final Map<String, RuleItem> rules = new LinkedHashMap<>();
    private String file;
    private String[] lines;

    public RuleLoader() {
        this(FieldRegistry.standard());
    }

    public RuleLoader(FieldRegistry registry) {
        this.registry = registry;
    }

    /** Loads files in order. Unreadable files are reported as errors. */
    public LoadResult load(List<Path> files) {
        List<Source> sources = new ArrayList<>();
        List<LoadProblem> readErrors = new ArrayList<>();
        for (Path p : files) {
            try {
                sources.add(new Source(p.toString(), Files.readString(p)));
            } catch (IOException | RuntimeException e) {
                readErrors.add(new LoadProblem(p.toString(), 0, 0, "file", null, ProblemCode.LOAD_ERR_FILE_READ,
                        "cannot read: " + e.getMessage()));
                sources.add(null);
            }
        }
        RuleLoader fresh = new RuleLoader(registry);
        fresh.errors.addAll(readErrors);
        List<String> names = files.stream().map(Path::toString).toList();
        return fresh.run(sources, names);
    }

    /** Loads rule texts in order (names are used in problems). */
    public LoadResult loadSources(List<Source> sources) {
        return new RuleLoader(registry).run(sources, sources.stream().map(Source::name).toList());
    }

    private LoadResult run(List<Source> sources, List<String> names) {
        for (Source s : sources) {
            if (s != null) {
                loadFile(s);
            }
        }
        return compileAll(names);
    }

    // ------------------------------------------------------------------------------------------ items

    private static final class ListItem {
        final String name;
        final Origin.Position pos;
        final List<ScalarNode> items = new ArrayList<>();

        ListItem(String name, Origin.Position pos) {
            this.name = name;
            this.pos = pos;
        }
    }

    private static final class MacroItem {
        final String name;
        final Origin.Position pos;
        String condition;
        Origin origin;

        MacroItem(String name, Origin.Position pos) {
            this.name = name;
            this.pos = pos;
        }
    }

    private static final class ExceptionItem {
        String name;
        Origin.Position pos;
        Node fields;
        Node comps;
        final List<Node> values = new ArrayList<>();
    }

    private static final class RuleItem {
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

    private void loadFile(Source s) {
        file = s.name();
        lines = s.text().split("\n", -1);
        Node root;
        try {
            LoaderOptions opts = new LoaderOptions();
            opts.setCodePointLimit(64 * 1024 * 1024);
            root = new Yaml(opts).compose(new StringReader(s.text()));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            error(m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1, "file", null, ProblemCode.LOAD_ERR_YAML_PARSE,
                    "YAML: " + (e.getContext() != null ? e.getContext() + ", " : "") + e.getProblem());
            return;
        } catch (YAMLException e) {
            error(0, 0, "file", null, ProblemCode.LOAD_ERR_YAML_PARSE, "YAML: " + e.getMessage());
            return;
        }
        if (root == null) {
            return;
        }
        if (!(root instanceof SequenceNode seq)) {
            problem(root, "file", null, ProblemCode.LOAD_ERR_YAML_VALIDATE, "a rules file is a YAML sequence of items (- rule: …)");
            return;
        }
        for (Node item : seq.getValue()) {
            if (!(item instanceof MappingNode map)) {
                problem(item, "item", null, ProblemCode.LOAD_ERR_YAML_VALIDATE, "each item must be a mapping (rule, macro, list …)");
                continue;
            }
            Map<String, Node> m = mapping(map);
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
    }

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
        ListItem li = new ListItem(name, pos(node));
        li.items.addAll(items);
        lists.put(name, li);
    }

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
        Origin origin = ScalarOrigins.of(file, lines, cs);
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
        MacroItem mi = new MacroItem(name, pos(node));
        mi.condition = cs.getValue();
        mi.origin = origin;
        macros.put(name, mi);
    }

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
        RuleItem ri = new RuleItem(name, pos(node));
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
                Origin o = ScalarOrigins.of(file, lines, s);
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
                Origin o = ScalarOrigins.of(file, lines, s);
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
            x.pos = pos(en);
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

    // ------------------------------------------------------------------------------------------ compile

    private LoadResult compileAll(List<String> files) {
        Map<String, List<String>> resolvedLists = new LinkedHashMap<>();
        for (ListItem li : lists.values()) {
            resolvedLists.put(li.name, resolveList(li, new LinkedHashSet<>()));
        }
        Map<String, ConditionCompiler.MacroDef> macroDefs = new LinkedHashMap<>();
        for (MacroItem mi : macros.values()) {
            try {
                macroDefs.put(mi.name, new ConditionCompiler.MacroDef(mi.name, ConditionParser.parse(mi.condition), mi.origin, null));
            } catch (ConditionSyntaxException e) {
                Origin.Position p = mi.origin.at(e.offset());
                addOnce(errors, new LoadProblem(p.file(), p.line(), p.column(), "macro", mi.name, ProblemCode.LOAD_ERR_COMPILE_CONDITION, e.getMessage()));
                macroDefs.put(mi.name, new ConditionCompiler.MacroDef(mi.name, null, mi.origin, e.getMessage() + " at " + p));
            }
        }
        ConditionCompiler compiler = new ConditionCompiler(registry, macroDefs, resolvedLists);
        List<RuleReport> reports = new ArrayList<>();
        List<Rule> loaded = new ArrayList<>();
        for (RuleItem r : rules.values()) {
            RuleReport report = compileRule(r, compiler, loaded);
            reports.add(report);
        }
        // lists used only by macros count as used when the macro is (the compiler expands them on use)
        for (MacroItem mi : macros.values()) {
            if (!compiler.usedMacros().contains(mi.name)) {
                warn(mi.pos, "macro", mi.name, ProblemCode.LOAD_UNUSED_MACRO, "macro is not used by any rule");
            }
        }
        Set<String> usedLists = new HashSet<>(compiler.usedLists());
        for (ListItem li : lists.values()) {
            for (ScalarNode item : li.items) {
                if (lists.containsKey(unquote(item.getValue())) && usedLists.contains(li.name)) {
                    usedLists.add(unquote(item.getValue()));
                }
            }
        }
        for (ListItem li : lists.values()) {
            if (!usedLists.contains(li.name) && !usedByUsedList(li.name, usedLists)) {
                warn(li.pos, "list", li.name, ProblemCode.LOAD_UNUSED_LIST, "list is not used by any rule or macro");
            }
        }
        return new LoadResult(files, reports, List.copyOf(errors), List.copyOf(warnings), RuleEngine.of(loaded, compiler.slots()));
    }

    private boolean usedByUsedList(String name, Set<String> used) {
        for (String u : used) {
            ListItem li = lists.get(u);
            if (li != null && li.items.stream().anyMatch(i -> unquote(i.getValue()).equals(name))) {
                return true;
            }
        }
        return false;
    }

    private List<String> resolveList(ListItem li, Set<String> visiting) {
        List<String> out = new ArrayList<>();
        visiting.add(li.name);
        for (ScalarNode item : li.items) {
            String raw = item.getValue();
            ListItem ref = lists.get(raw);
            if (ref != null && !visiting.contains(raw)) {
                out.addAll(resolveList(ref, visiting));
            } else {
                out.add(unquote(raw));
            }
        }
        visiting.remove(li.name);
        return out;
    }

    /** List items written {@code '"a b"'} are the string {@code a b}, as Falco reads them. */
    static String unquote(String s) {
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            try {
                Ast a = ConditionParser.parse("x.y = " + s);
                return ((Ast.Literal) ((Ast.Check) a).value()).text();
            } catch (ConditionSyntaxException | ClassCastException e) {
                return s.substring(1, s.length() - 1);
            }
        }
        return s;
    }

    private RuleReport compileRule(RuleItem r, ConditionCompiler compiler, List<Rule> loaded) {
        Origin.Position at = r.pos;
        if (!r.itemErrors.isEmpty()) {
            return report(r, RuleStatus.ERROR, String.join("; ", r.itemErrors));
        }
        if (r.source != null && !r.source.equals("syscall")) {
            String reason = "source '" + r.source + "' is not supported: Bulwark evaluates syscall events only";
            warn(at, "rule", r.name, ProblemCode.LOAD_UNSUPPORTED_SOURCE, reason);
            return report(r, RuleStatus.UNSUPPORTED, reason);
        }
        Ast cond;
        try {
            cond = ConditionParser.parse(r.condition);
        } catch (ConditionSyntaxException e) {
            Origin.Position p = r.condOrigin.at(e.offset());
            addOnce(errors, new LoadProblem(p.file(), p.line(), p.column(), "rule", r.name, ProblemCode.LOAD_ERR_COMPILE_CONDITION, e.getMessage()));
            return report(r, RuleStatus.ERROR, e.getMessage() + " at " + p);
        }
        List<String> exErrors = new ArrayList<>();
        Ast full = withExceptions(r, cond, compiler, exErrors);
        if (!exErrors.isEmpty()) {
            return report(r, RuleStatus.ERROR, String.join("; ", exErrors));
        }
        ConditionCompiler.Compiled c = compiler.compile(full, r.condOrigin);
        List<ConditionCompiler.Issue> outIssues = new ArrayList<>();
        OutputTemplate out = OutputTemplate.compile(r.output, compiler, r.outOrigin, outIssues);
        List<String> errs = new ArrayList<>();
        List<String> unsupported = new ArrayList<>();
        for (ConditionCompiler.Issue i : c.issues()) {
            record(r, i, false, errs, unsupported);
        }
        for (ConditionCompiler.Issue i : outIssues) {
            record(r, i, true, errs, unsupported);
        }
        checkArgNames(r, compiler.argRefs(full, r.condOrigin), c.types(), errs);
        if (!errs.isEmpty()) {
            return report(r, RuleStatus.ERROR, String.join("; ", errs));
        }
        if (!unsupported.isEmpty()) {
            return report(r, RuleStatus.UNSUPPORTED, String.join("; ", unsupported));
        }
        if (!r.enabled) {
            return report(r, RuleStatus.DISABLED, "enabled: false");
        }
        TypeSet types = c.types();
        if (types.cofinite()) {
            warn(at, "rule", r.name, ProblemCode.LOAD_NO_EVTTYPE, "condition does not restrict evt.type"
                    + (types.names().isEmpty() ? "" : " (only excludes " + new java.util.TreeSet<>(types.names()) + ")")
                    + ": the rule is evaluated on every event");
        } else if (types.names().isEmpty()) {
            warn(at, "rule", r.name, ProblemCode.LOAD_NEVER_MATCHES, "the evt.type tests of the condition exclude every event type: the rule can never match");
        }
        loaded.add(new Rule(r.name, r.desc, r.priority, List.copyOf(r.tags), at.file(), at.line(), r.condition, types, c.pred(), out));
        return report(r, RuleStatus.LOADED, null);
    }

    /**
     * {@code evt.arg.X} names are checked against {@link EventSchema}: a name no event the sensor sends carries (a
     * typo) is an error; a name only other event types than the condition's carry is a warning (the test never has
     * a value there, and Falco's own files do this: {@code evt.arg.filename}, an execve name, in a macro used on
     * opens). A condition that can match an event type the sensor never sends (a Falco syscall Bulwark does not
     * decode) is not checked, so Falco's names for those syscalls load as before; one that does not restrict
     * evt.type is checked against every event's names.
     */
    private void checkArgNames(RuleItem r, List<ConditionCompiler.ArgRef> refs, TypeSet types, List<String> errs) {
        if (refs.isEmpty()) {
            return;
        }
        Set<String> all = EventSchema.allArgNames();
        Set<String> known = new java.util.TreeSet<>();
        List<String> pinned = new ArrayList<>();
        if (!types.cofinite()) {
            for (String t : new java.util.TreeSet<>(types.names())) {
                Set<String> names = EventSchema.argNames(t);
                if (names == null) {
                    return; // a syscall the sensor does not decode: Falco's names for it load as before
                }
                known.addAll(names);
                pinned.add(t);
            }
        }
        if (pinned.isEmpty()) {
            known = all;
        }
        for (ConditionCompiler.ArgRef ref : refs) {
            if (known.contains(ref.arg())) {
                continue;
            }
            Origin.Position p = ref.position();
            boolean elsewhere = all.contains(ref.arg());
            List<String> near = EventSchema.nearest(ref.arg(), known);
            String msg = "unknown argument '" + ref.field() + "': "
                    + (pinned.isEmpty() ? "no event the sensor sends carries '" + ref.arg() + "'"
                    : "evt.type " + String.join(", ", pinned) + " carries " + String.join(", ", known)
                    + (elsewhere ? "; only other event types carry '" + ref.arg() + "', so this test never has a value" : ""))
                    + (near.isEmpty() ? "" : " (did you mean evt.arg." + String.join(" or evt.arg.", near) + "?)")
                    + "; see docs/events.md";
            if (elsewhere) {
                addOnce(warnings, new LoadProblem(p.file(), p.line(), p.column(), "rule", r.name, ProblemCode.LOAD_ARG_NOT_CARRIED, msg));
            } else {
                errs.add(msg + " at " + p);
                addOnce(errors, new LoadProblem(p.file(), p.line(), p.column(), "rule", r.name, ProblemCode.LOAD_ERR_COMPILE_CONDITION, msg));
            }
        }
    }

    private void record(RuleItem r, ConditionCompiler.Issue i, boolean output, List<String> errs, List<String> unsupported) {
        Origin.Position p = i.position();
        if (i.kind() == ConditionCompiler.Issue.Kind.UNSUPPORTED) {
            String msg = (output ? "output uses " : "uses ") + "unsupported field '" + i.field() + "' at " + p;
            unsupported.add(msg);
            LoadProblem lp = new LoadProblem(p.file(), p.line(), p.column(), "rule", r.name, ProblemCode.LOAD_UNSUPPORTED_FIELD,
                    (output ? "output: " : "") + i.message());
            addOnce(warnings, lp);
        } else {
            errs.add(i.message() + " at " + p);
            addOnce(errors, new LoadProblem(p.file(), p.line(), p.column(), "rule", r.name,
                    output ? ProblemCode.LOAD_ERR_COMPILE_OUTPUT : ProblemCode.LOAD_ERR_COMPILE_CONDITION, i.message()));
        }
    }

    private RuleReport report(RuleItem r, RuleStatus status, String reason) {
        return new RuleReport(r.name, r.pos.file(), r.pos.line(), status, reason);
    }

    /** Falco's exceptions: {@code condition and not ((f1 c1 v1 and f2 c2 v2) or …)} for each exception with values. */
    private Ast withExceptions(RuleItem r, Ast cond, ConditionCompiler compiler, List<String> errs) {
        List<Ast> terms = new ArrayList<>();
        terms.add(cond);
        for (ExceptionItem x : r.exceptions) {
            Origin origin = Origin.fixed(x.pos);
            String where = "exception '" + x.name + "'";
            boolean single = x.fields instanceof ScalarNode;
            List<String> fields = single ? List.of(scalar(x.fields)) : strings(x.fields);
            List<String> comps;
            if (x.comps == null) {
                comps = single ? List.of("in") : fields.stream().map(f -> "=").toList();
            } else {
                comps = x.comps instanceof ScalarNode ? List.of(scalar(x.comps)) : strings(x.comps);
            }
            if (fields == null || comps == null || comps.size() != fields.size()) {
                exceptionError(r, x, errs, where + ": 'comps' must have one operator per field (" + (fields == null ? 0 : fields.size()) + ")");
                continue;
            }
            List<Ast.FieldExpr> fexprs = new ArrayList<>();
            boolean bad = false;
            for (String f : fields) {
                try {
                    fexprs.add(ConditionParser.parseField(f));
                } catch (ConditionSyntaxException e) {
                    exceptionError(r, x, errs, where + ": " + e.getMessage());
                    bad = true;
                }
            }
            for (String op : comps) {
                if (!OPS.contains(op)) {
                    exceptionError(r, x, errs, where + ": unknown operator '" + op + "'");
                    bad = true;
                }
            }
            if (bad) {
                continue;
            }
            List<Ast> alternatives = new ArrayList<>();
            if (single) {
                String op = comps.get(0);
                List<Ast.Literal> items = new ArrayList<>();
                for (Node v : x.values) {
                    String s = scalar(v);
                    if (s == null) {
                        exceptionError(r, x, errs, where + ": values of a single-field exception are strings");
                        bad = true;
                        break;
                    }
                    items.add(new Ast.Literal(s, false, 0));
                }
                if (bad || items.isEmpty()) {
                    continue;
                }
                if (LIST_OPS.contains(op)) {
                    alternatives.add(new Ast.Check(fexprs.get(0), op, new Ast.ListValue(items, 0), 0));
                } else {
                    for (Ast.Literal l : items) {
                        alternatives.add(new Ast.Check(fexprs.get(0), normal(op), new Ast.Literal(l.text(), true, 0), 0));
                    }
                }
            } else {
                for (Node v : x.values) {
                    if (!(v instanceof SequenceNode tuple) || tuple.getValue().size() != fields.size()) {
                        exceptionError(r, x, errs, where + ": each value must be a list of " + fields.size() + " items (one per field)");
                        bad = true;
                        break;
                    }
                    List<Ast> conj = new ArrayList<>();
                    for (int k = 0; k < fields.size(); k++) {
                        Node e = tuple.getValue().get(k);
                        String op = normal(comps.get(k));
                        Ast.Value value;
                        if (e instanceof SequenceNode inner) {
                            List<Ast.Literal> items = new ArrayList<>();
                            for (Node in : inner.getValue()) {
                                items.add(new Ast.Literal(scalar(in), false, 0));
                            }
                            value = new Ast.ListValue(items, 0);
                        } else if (LIST_OPS.contains(op)) {
                            value = new Ast.ListValue(List.of(new Ast.Literal(scalar(e), false, 0)), 0);
                        } else {
                            value = new Ast.Literal(scalar(e), true, 0);
                        }
                        if (value instanceof Ast.ListValue && !LIST_OPS.contains(op)) {
                            exceptionError(r, x, errs, where + ": a list value needs in, intersects or pmatch, not '" + op + "'");
                            bad = true;
                            break;
                        }
                        conj.add(new Ast.Check(fexprs.get(k), op, value, 0));
                    }
                    if (bad) {
                        break;
                    }
                    alternatives.add(conj.size() == 1 ? conj.get(0) : new Ast.And(conj, 0));
                }
            }
            if (bad || alternatives.isEmpty()) {
                continue;
            }
            Ast any = alternatives.size() == 1 ? alternatives.get(0) : new Ast.Or(alternatives, 0);
            terms.add(new Ast.Scoped(new Ast.Not(any, 0), origin, 0));
        }
        return terms.size() == 1 ? cond : new Ast.And(terms, 0);
    }

    private static String normal(String op) {
        return op.equals("==") ? "=" : op;
    }

    private void exceptionError(RuleItem r, ExceptionItem x, List<String> errs, String message) {
        errs.add(message + " at " + x.pos);
        addOnce(errors, new LoadProblem(x.pos.file(), x.pos.line(), x.pos.column(), "rule", r.name, ProblemCode.LOAD_ERR_VALIDATE, message));
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

    private static Map<String, Node> mapping(MappingNode map) {
        Map<String, Node> m = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k) {
                m.put(k.getValue(), t.getValueNode());
            }
        }
        return m;
    }

    private static String scalar(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : null;
    }

    private static List<String> strings(Node n) {
        if (!(n instanceof SequenceNode seq)) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Node x : seq.getValue()) {
            String s = scalar(x);
            if (s == null) {
                return null;
            }
            out.add(s);
        }
        return out;
    }

    private static Boolean bool(Node n) {
        String s = scalar(n);
        if (s == null) {
            return null;
        }
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> null;
        };
    }

    private Origin.Position pos(Node n) {
        Mark m = n.getStartMark();
        return new Origin.Position(file, m.getLine() + 1, m.getColumn() + 1);
    }

    private void problem(Node at, String type, String item, ProblemCode code, String reason) {
        Mark m = at == null ? null : at.getStartMark();
        LoadProblem p = new LoadProblem(file, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1, type, item, code, reason);
        addOnce(code.isError() ? errors : warnings, p);
    }

    private void error(int line, int col, String type, String item, ProblemCode code, String reason) {
        addOnce(errors, new LoadProblem(file, line, col, type, item, code, reason));
    }

    private void warn(Origin.Position p, String type, String item, ProblemCode code, String reason) {
        addOnce(warnings, new LoadProblem(p.file(), p.line(), p.column(), type, item, code, reason));
    }

    private void addOnce(List<LoadProblem> to, LoadProblem p) {
        if (seen.add(p)) {
            to.add(p);
        }
    }
}
