package io.bulwark.response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bulwark.response.action.Action;
import io.bulwark.response.action.ActionCatalog;
import io.bulwark.response.action.ParamSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Loads playbooks from YAML and checks them in the same pass: every problem is reported with file:line:col
 * and a reason, and loading goes on after a problem so one run shows them all. A file may hold several
 * playbooks as YAML documents separated by {@code ---}. Only playbooks without problems are returned.
 *
 * <p>Thread-safe; holds only the catalogue.
 */
public final class PlaybookLoader {
    static final Set<String> PLAYBOOK_KEYS = Set.of("name", "description", "match", "match_file", "dry_run", "guardrails", "steps");
    static final Set<String> GUARDRAIL_KEYS = Set.of("protected_namespaces", "max_actions", "approval");
    static final Set<String> MAX_ACTIONS_KEYS = Set.of("count", "window");
    static final Set<String> APPROVAL_KEYS = Set.of("timeout", "default");
    static final Set<String> STEP_KEYS = Set.of("id", "action", "params", "when", "continue_on_error", "dry_run");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ActionCatalog catalog;

    public PlaybookLoader(ActionCatalog catalog) {
        this.catalog = catalog;
    }

    /** A loader for the standard catalogue. */
    public static PlaybookLoader standard() {
        return new PlaybookLoader(ActionCatalog.standard());
    }

    /**
     * What a load produced.
     *
     * @param playbooks the playbooks without problems
     * @param problems  every problem found, in file then position order
     * @param files     how many files were read
     * @param warnings  legal but probably not what was meant (a node step that cannot be on the fast path); they do
     *                  not stop a playbook from loading
     */
    public record Result(List<Playbook> playbooks, List<Problem> problems, int files, List<Problem> warnings) {
        public Result {
            playbooks = List.copyOf(playbooks);
            problems = List.copyOf(problems);
            warnings = List.copyOf(warnings);
        }

        public Result(List<Playbook> playbooks, List<Problem> problems, int files) {
            this(playbooks, problems, files, List.of());
        }

        public boolean ok() {
            return problems.isEmpty();
        }

        /**
         * The playbooks, or an exception listing every problem.
         *
         * @throws IllegalArgumentException when there were problems
         */
        public List<Playbook> orThrow() {
            if (!ok()) {
                StringBuilder b = new StringBuilder(problems.size() + " problem(s) in playbooks:");
                problems.forEach(p -> b.append("\n  ").append(p));
                throw new IllegalArgumentException(b.toString());
            }
            return playbooks;
        }
    }

    /** The default playbook shipped in this jar ({@code classpath:playbooks/default.yaml}). */
    public static List<Playbook> defaultPlaybooks() {
        return standard().loadResource("playbooks/default.yaml").orThrow();
    }

    /**
     * The respond side's defaults: {@link #defaultPlaybooks()} and the incident playbook for incidents no sensor
     * contained ({@code classpath:playbooks/default-incidents.yaml}: Falco and GuardDuty sources).
     */
    public static List<Playbook> defaultRespondPlaybooks() {
        List<Playbook> all = new ArrayList<>(defaultPlaybooks());
        all.addAll(standard().loadResource("playbooks/default-incidents.yaml").orThrow());
        return List.copyOf(all);
    }

    /**
     * Loads files and directories (a directory: every {@code *.yaml} and {@code *.yml} under it, sorted by path).
     * A playbook name used twice across the files is a problem.
     */
    public Result load(List<Path> paths) {
        List<Path> files = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(f -> Files.isRegularFile(f) && (f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")))
                            .sorted(Comparator.comparing(Path::toString)).forEach(files::add);
                } catch (IOException e) {
                    problems.add(new Problem(p.toString(), 1, 1, "unreadable", "cannot list directory: " + e.getMessage()));
                }
            } else {
                files.add(p);
            }
        }
        List<Playbook> playbooks = new ArrayList<>();
        List<Problem> warnings = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (Path f : files) {
            Result r = load(f);
            problems.addAll(r.problems());
            warnings.addAll(r.warnings());
            for (Playbook pb : r.playbooks()) {
                String first = seen.putIfAbsent(pb.name(), pb.file());
                if (first != null) {
                    problems.add(new Problem(pb.file(), 1, 1, "duplicate-playbook",
                            "playbook name '" + pb.name() + "' is already used in " + first + " (names key idempotency and audit records)"));
                } else {
                    playbooks.add(pb);
                }
            }
        }
        return new Result(playbooks, problems, files.size(), warnings);
    }

    /** Loads one file; {@code match_file} is resolved against the file's directory. */
    public Result load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String why = Files.exists(file) ? "cannot read: " + e.getMessage() : "no such file";
            return new Result(List.of(), List.of(new Problem(file.toString(), 1, 1, "unreadable", why)), 1);
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(file.toString(), text, name -> {
            Path pf = dir.resolve(name).normalize();
            Path shown = file.getParent() == null ? Path.of(name) : file.getParent().resolve(name).normalize();
            try {
                return new PatternSource(shown.toString(), Files.readString(pf, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IOException(Files.exists(pf) ? "cannot read " + shown + ": " + e.getMessage() : "no such file " + shown);
            }
        });
    }

    /** Loads a classpath resource ({@code playbooks/default.yaml}); {@code match_file} is resolved against its folder. */
    public Result loadResource(String resource) {
        String display = "classpath:" + resource;
        String text;
        try {
            text = readResource(resource);
        } catch (IOException e) {
            return new Result(List.of(), List.of(new Problem(display, 1, 1, "unreadable", e.getMessage())), 1);
        }
        String folder = resource.contains("/") ? resource.substring(0, resource.lastIndexOf('/') + 1) : "";
        return parse(display, text, name -> {
            String r = Path.of(folder + name).normalize().toString().replace('\\', '/');
            return new PatternSource("classpath:" + r, readResource(r));
        });
    }

    private static String readResource(String resource) throws IOException {
        try (InputStream in = PlaybookLoader.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IOException("no such resource " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A pattern file's name (as shown in problems) and content. */
    public record PatternSource(String name, String json) {}

    /** Reads a {@code match_file} by the name the playbook gives. */
    @FunctionalInterface
    public interface PatternResolver {
        PatternSource read(String name) throws IOException;
    }

    /**
     * Parses and checks YAML text.
     *
     * @param file     the name problems carry
     * @param yaml     the text
     * @param patterns reads {@code match_file} references
     */
    public Result parse(String file, String yaml, PatternResolver patterns) {
        List<Problem> problems = new ArrayList<>();
        List<Problem> warnings = new ArrayList<>();
        List<Playbook> playbooks = new ArrayList<>();
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true); // we report duplicates ourselves, with both positions
        options.setMaxAliasesForCollections(50);
        Yaml parser = new Yaml(options);
        int docs = 0;
        try {
            for (Node root : parser.composeAll(new StringReader(yaml))) {
                docs++;
                Checker c = new Checker(file, patterns, problems, warnings);
                Playbook pb = c.playbook(root);
                if (pb != null) playbooks.add(pb);
            }
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String reason = "YAML syntax: " + (e.getProblem() != null ? e.getProblem() : e.getMessage())
                    + (e.getContext() != null ? " (" + e.getContext() + ")" : "");
            problems.add(new Problem(file, m == null ? 1 : m.getLine() + 1, m == null ? 1 : m.getColumn() + 1, "yaml-syntax", reason));
        } catch (YAMLException e) {
            problems.add(new Problem(file, 1, 1, "yaml-syntax", "YAML: " + e.getMessage()));
        }
        if (docs == 0 && problems.isEmpty()) {
            problems.add(new Problem(file, 1, 1, "empty", "no playbook in the file"));
        }
        problems.sort(Comparator.comparing(Problem::file).thenComparingInt(Problem::line).thenComparingInt(Problem::column));
        return new Result(problems.isEmpty() ? playbooks : List.of(), problems, 1, warnings);
    }

    /** One document's check; collects problems and builds the playbook when there were none. */
    private final class Checker {
        private final String file;
        private final PatternResolver patterns;
        private final List<Problem> problems;
        private final List<Problem> warnings;
        private final int before;

        Checker(String file, PatternResolver patterns, List<Problem> problems, List<Problem> warnings) {
            this.file = file;
            this.patterns = patterns;
            this.problems = problems;
            this.warnings = warnings;
            this.before = problems.size();
        }

        private void problem(Node at, String code, String reason) {
            Mark m = at.getStartMark();
            problems.add(new Problem(file, m.getLine() + 1, m.getColumn() + 1, code, reason));
        }

        Playbook playbook(Node root) {
            if (!(root instanceof MappingNode map)) {
                problem(root, "not-a-mapping", "a playbook is a mapping with name, match or match_file, steps; found " + kind(root));
                return null;
            }
            Map<String, NodeTuple> keys = keys(map, PLAYBOOK_KEYS, "playbook");
            String name = string(keys, "name", true, "playbook");
            if (name != null && !NAME.matcher(name).matches()) {
                problem(keys.get("name").getValueNode(), "bad-name",
                        "playbook name '" + name + "' must be 1-64 letters, digits, '.', '_' or '-' (it keys idempotency and audit records)");
            }
            String description = string(keys, "description", false, "playbook");
            Boolean dryRun = bool(keys, "dry_run", "playbook");
            EventPattern match = null;
            String matchFile = null;
            NodeTuple inline = keys.get("match");
            NodeTuple fromFile = keys.get("match_file");
            if (inline != null && fromFile != null) {
                problem(fromFile.getKeyNode(), "match-twice", "give either match or match_file, not both");
            } else if (inline != null) {
                match = pattern(inline.getValueNode(), "match");
            } else if (fromFile != null) {
                matchFile = scalar(fromFile.getValueNode(), "match_file");
                if (matchFile != null) match = patternFile(fromFile.getValueNode(), matchFile);
            } else {
                problem(root, "missing-key", "playbook has no match (an EventBridge pattern) and no match_file (a JSON pattern file)");
            }
            Guardrails guardrails = keys.containsKey("guardrails") ? guardrails(keys.get("guardrails").getValueNode()) : Guardrails.defaults();
            List<Step> steps = new ArrayList<>();
            NodeTuple st = keys.get("steps");
            if (st == null) {
                problem(root, "missing-key", "playbook has no steps");
            } else {
                steps = steps(st.getValueNode(), Boolean.TRUE.equals(dryRun));
            }
            if (problems.size() > before || match == null || guardrails == null) return null;
            return new Playbook(name, description == null ? "" : description, file, match, matchFile,
                    Boolean.TRUE.equals(dryRun), guardrails, steps);
        }

        private Guardrails guardrails(Node node) {
            if (!(node instanceof MappingNode map)) {
                problem(node, "bad-type", "guardrails must be a mapping (protected_namespaces, max_actions, approval); found " + kind(node));
                return null;
            }
            Map<String, NodeTuple> keys = keys(map, GUARDRAIL_KEYS, "guardrails");
            List<String> ns = Guardrails.DEFAULT_PROTECTED;
            if (keys.containsKey("protected_namespaces")) {
                Node v = keys.get("protected_namespaces").getValueNode();
                List<String> l = stringList(v, "guardrails.protected_namespaces");
                if (l != null) ns = l;
            }
            Guardrails.RateLimit limit = null;
            if (keys.containsKey("max_actions")) limit = rateLimit(keys.get("max_actions").getValueNode());
            Duration timeout = Guardrails.DEFAULT_APPROVAL_TIMEOUT;
            Decision def = Decision.DENY;
            if (keys.containsKey("approval")) {
                Node a = keys.get("approval").getValueNode();
                if (!(a instanceof MappingNode am)) {
                    problem(a, "bad-type", "guardrails.approval must be a mapping (timeout, default); found " + kind(a));
                } else {
                    Map<String, NodeTuple> ak = keys(am, APPROVAL_KEYS, "guardrails.approval");
                    if (ak.containsKey("timeout")) {
                        Duration d = duration(ak.get("timeout").getValueNode(), "guardrails.approval.timeout");
                        if (d != null) timeout = d;
                    }
                    if (ak.containsKey("default")) {
                        Node dn = ak.get("default").getValueNode();
                        String s = scalar(dn, "guardrails.approval.default");
                        if (s != null) {
                            try {
                                def = Decision.parse(s);
                            } catch (IllegalArgumentException e) {
                                problem(dn, "bad-value", "guardrails.approval.default: " + e.getMessage());
                            }
                        }
                    }
                }
            }
            return new Guardrails(ns, limit, timeout, def);
        }

        private Guardrails.RateLimit rateLimit(Node node) {
            if (!(node instanceof MappingNode map)) {
                problem(node, "bad-type", "guardrails.max_actions must be a mapping {count: N, window: 10m}; found " + kind(node));
                return null;
            }
            Map<String, NodeTuple> keys = keys(map, MAX_ACTIONS_KEYS, "guardrails.max_actions");
            Integer count = null;
            Duration window = null;
            if (!keys.containsKey("count")) problem(node, "missing-key", "guardrails.max_actions needs count");
            else {
                Node c = keys.get("count").getValueNode();
                Object v = value(c);
                if (v instanceof Long l && l > 0 && l <= Integer.MAX_VALUE) count = l.intValue();
                else problem(c, "bad-value", "guardrails.max_actions.count must be a whole number above 0, not " + describe(c));
            }
            if (!keys.containsKey("window")) problem(node, "missing-key", "guardrails.max_actions needs window (e.g. 10m)");
            else window = duration(keys.get("window").getValueNode(), "guardrails.max_actions.window");
            if (window != null && (window.isZero() || window.isNegative())) {
                problem(keys.get("window").getValueNode(), "bad-value", "guardrails.max_actions.window must be longer than 0");
                window = null;
            }
            return count == null || window == null ? null : new Guardrails.RateLimit(count, window);
        }

        private List<Step> steps(Node node, boolean playbookDryRun) {
            List<Step> steps = new ArrayList<>();
            if (!(node instanceof SequenceNode seq)) {
                problem(node, "bad-type", "steps must be a list of steps; found " + kind(node));
                return steps;
            }
            if (seq.getValue().isEmpty()) {
                problem(node, "empty-steps", "steps is empty: a playbook must do something");
                return steps;
            }
            Map<String, Node> ids = new HashMap<>();
            // (step node, action) in order, for the ordering rules
            List<Map.Entry<Node, Action>> order = new ArrayList<>();
            List<String> orderIds = new ArrayList<>();
            for (Node sn : seq.getValue()) {
                if (!(sn instanceof MappingNode sm)) {
                    problem(sn, "bad-type", "a step must be a mapping (id, action, params, when, continue_on_error, dry_run); found " + kind(sn));
                    continue;
                }
                Map<String, NodeTuple> keys = keys(sm, STEP_KEYS, stepLabel(sm));
                String id = string(keys, "id", true, "step");
                String where = id == null ? "step" : "step '" + id + "'";
                if (id != null) {
                    if (!NAME.matcher(id).matches()) {
                        problem(keys.get("id").getValueNode(), "bad-name", where + ": id must be 1-64 letters, digits, '.', '_' or '-'");
                    }
                    Node first = ids.putIfAbsent(id, keys.get("id").getValueNode());
                    if (first != null) {
                        problem(keys.get("id").getValueNode(), "duplicate-step-id", "duplicate step id '" + id + "' (first at line "
                                + (first.getStartMark().getLine() + 1) + "): ids key idempotency");
                    }
                }
                String actionName = string(keys, "action", true, where);
                final Action action = actionName == null ? null : catalog.find(actionName).orElse(null);
                if (actionName != null) {
                    if (action == null) {
                        problem(keys.get("action").getValueNode(), "unknown-action", where + ": unknown action '" + actionName + "'"
                                + suggest(actionName, catalog.all().stream().map(Action::name).toList())
                                + " (./bulwark actions list)");
                    }
                }
                Map<String, Object> params = new LinkedHashMap<>();
                NodeTuple pt = keys.get("params");
                if (pt != null) {
                    Node pn = pt.getValueNode();
                    if (pn instanceof MappingNode pm) {
                        Map<String, NodeTuple> given = new LinkedHashMap<>();
                        for (NodeTuple t : pm.getValue()) {
                            String k = scalar(t.getKeyNode(), "parameter name");
                            if (k == null) continue;
                            if (given.putIfAbsent(k, t) != null) {
                                problem(t.getKeyNode(), "duplicate-key", where + ": parameter '" + k + "' given twice");
                            }
                        }
                        if (action != null) {
                            for (Map.Entry<String, NodeTuple> e : given.entrySet()) {
                                ParamSpec spec = action.param(e.getKey()).orElse(null);
                                Node vn = e.getValue().getValueNode();
                                if (spec == null) {
                                    List<String> known = action.params().stream().map(ParamSpec::name).toList();
                                    problem(e.getValue().getKeyNode(), "unknown-param", where + ": " + action.name() + " has no parameter '"
                                            + e.getKey() + "'" + suggest(e.getKey(), known)
                                            + (known.isEmpty() ? " (it takes none)" : " (it takes: " + String.join(", ", known) + ")"));
                                    continue;
                                }
                                Object v = value(vn);
                                spec.check(v).ifPresentOrElse(
                                        why -> problem(vn, "bad-param", where + " (" + action.name() + "): " + why),
                                        () -> params.put(e.getKey(), v));
                            }
                        }
                    } else if (!(pn instanceof ScalarNode s && s.getTag().equals(Tag.NULL))) {
                        problem(pn, "bad-type", where + ": params must be a mapping; found " + kind(pn));
                    }
                }
                if (action != null) {
                    for (ParamSpec spec : action.params()) {
                        if (!params.containsKey(spec.name())) {
                            if (spec.required() && (pt == null || !hasKey(pt.getValueNode(), spec.name()))) {
                                problem(sm, "missing-param", where + ": " + action.name() + " needs parameter '" + spec.name() + "' ("
                                        + spec.expected() + ": " + spec.description() + ")");
                            } else if (spec.defaultValue() != null) {
                                params.put(spec.name(), spec.defaultValue());
                            }
                        }
                    }
                }
                EventPattern when = null;
                if (keys.containsKey("when")) when = pattern(keys.get("when").getValueNode(), where + ": when");
                Boolean coe = bool(keys, "continue_on_error", where);
                Boolean dry = bool(keys, "dry_run", where);
                if (playbookDryRun && Boolean.FALSE.equals(dry)) {
                    problem(keys.get("dry_run").getValueNode(), "dry-run-override",
                            where + ": dry_run: false cannot turn off the playbook's dry_run: true (dry run anywhere wins)");
                }
                if (action != null) {
                    order.add(Map.entry(sm, action));
                    orderIds.add(id == null ? "?" : id);
                }
                if (id != null && action != null) {
                    steps.add(new Step(id, action.name(), params, when, Boolean.TRUE.equals(coe), Boolean.TRUE.equals(dry),
                            sm.getStartMark().getLine() + 1));
                }
            }
            checkOrder(order, orderIds);
            return steps;
        }

        /** Evidence before containment, always; destructive steps need evidence before them. */
        private void checkOrder(List<Map.Entry<Node, Action>> order, List<String> ids) {
            int firstEvidence = -1;
            for (int i = 0; i < order.size(); i++) {
                if (order.get(i).getValue().name().equals(ActionCatalog.EVIDENCE)) {
                    firstEvidence = i;
                    break;
                }
            }
            int firstRemote = -1;
            boolean approvalBefore = false;
            for (int i = 0; i < order.size(); i++) {
                Action a = order.get(i).getValue();
                Node at = order.get(i).getKey();
                if (!a.nodeLocal()) {
                    if (firstRemote < 0) firstRemote = i;
                    if (a.name().equals(ActionCatalog.APPROVAL)) approvalBefore = true;
                } else if (firstRemote >= 0 && !approvalBefore) {
                    Mark m = at.getStartMark();
                    warnings.add(new Problem(file, m.getLine() + 1, m.getColumn() + 1, "not-fast-path", "step '" + ids.get(i) + "' ("
                            + a.name() + ") comes after '" + ids.get(firstRemote) + "' (" + order.get(firstRemote).getValue().name()
                            + "), so the sensor does not run it on the fast path: the respond side sends it through the node "
                            + "command channel, a round trip later (put node steps first)"));
                }
                if (a.containment() && firstEvidence > i) {
                    problem(at, "containment-before-evidence", "step '" + ids.get(i) + "' (" + a.name() + ") comes before the evidence step '"
                            + ids.get(firstEvidence) + "' (" + ActionCatalog.EVIDENCE + "): evidence before containment, always");
                } else if (a.needsEvidenceFirst() && (firstEvidence < 0 || firstEvidence > i)) {
                    problem(at, "needs-evidence", "step '" + ids.get(i) + "' (" + a.name() + ") destroys what evidence needs: put a "
                            + ActionCatalog.EVIDENCE + " step before it");
                }
            }
        }

        private EventPattern pattern(Node node, String what) {
            if (!(node instanceof MappingNode)) {
                problem(node, "bad-pattern", what + " must be an EventBridge event pattern (a mapping); found " + kind(node));
                return null;
            }
            Object v = value(node);
            if (((Map<?, ?>) v).isEmpty()) {
                problem(node, "bad-pattern", what + " is empty: it would match every event");
                return null;
            }
            String json;
            try {
                json = JSON.writeValueAsString(v);
            } catch (JsonProcessingException e) {
                problem(node, "bad-pattern", what + ": cannot be written as JSON: " + e.getOriginalMessage());
                return null;
            }
            EventPattern.Error error = EventPattern.check(json);
            if (error != null) {
                problem(node, "bad-pattern", what + " is not a valid event pattern (event-ruler: " + error.message() + ")");
                return null;
            }
            return EventPattern.of(json);
        }

        private EventPattern patternFile(Node at, String name) {
            PatternSource src;
            try {
                src = patterns.read(name);
            } catch (IOException e) {
                problem(at, "bad-match-file", "match_file: " + e.getMessage());
                return null;
            }
            JsonNode tree;
            try {
                tree = JSON.readTree(src.json());
            } catch (JsonProcessingException e) {
                var loc = e.getLocation();
                problems.add(new Problem(src.name(), loc == null ? 1 : Math.max(1, loc.getLineNr()), loc == null ? 1 : Math.max(1, loc.getColumnNr()),
                        "bad-match-file", "not JSON: " + e.getOriginalMessage() + " (named by match_file in " + file + ")"));
                return null;
            }
            if (tree == null || !tree.isObject() || tree.isEmpty()) {
                problem(at, "bad-match-file", "match_file " + src.name() + " must hold a non-empty JSON object (an EventBridge pattern)");
                return null;
            }
            EventPattern.Error error = EventPattern.check(src.json());
            if (error != null) {
                String reason = "not a valid event pattern (event-ruler: " + error.message() + "; named by match_file in " + file + ")";
                if (error.line() > 0) problems.add(new Problem(src.name(), error.line(), Math.max(1, error.column()), "bad-pattern", reason));
                else problem(at, "bad-pattern", "match_file " + src.name() + " is " + reason);
                return null;
            }
            return EventPattern.of(src.json());
        }

        /** The mapping's keys; reports unknown and duplicate keys and non-string keys. */
        private Map<String, NodeTuple> keys(MappingNode map, Set<String> known, String where) {
            currentMapping = map;
            Map<String, NodeTuple> out = new LinkedHashMap<>();
            for (NodeTuple t : map.getValue()) {
                String k = scalar(t.getKeyNode(), where + " key");
                if (k == null) continue;
                if (!known.contains(k)) {
                    problem(t.getKeyNode(), "unknown-key", where + ": unknown key '" + k + "'" + suggest(k, known)
                            + " (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
                    continue;
                }
                NodeTuple first = out.putIfAbsent(k, t);
                if (first != null) {
                    problem(t.getKeyNode(), "duplicate-key", where + ": key '" + k + "' given twice (first at line "
                            + (first.getKeyNode().getStartMark().getLine() + 1) + ")");
                }
            }
            return out;
        }

        private String string(Map<String, NodeTuple> keys, String key, boolean required, String where) {
            NodeTuple t = keys.get(key);
            if (t == null) {
                if (required) problems.add(missing(where, key));
                return null;
            }
            Node v = t.getValueNode();
            if (!(v instanceof ScalarNode s) || s.getTag().equals(Tag.NULL) || s.getValue().isBlank()) {
                problem(v, "bad-type", where + ": " + key + " must be a non-empty string; found " + kind(v));
                return null;
            }
            return s.getValue();
        }

        /** A missing key is reported at the mapping that lacks it (the last one {@link #keys} read). */
        private Problem missing(String where, String key) {
            Mark m = currentMapping.getStartMark();
            return new Problem(file, m.getLine() + 1, m.getColumn() + 1, "missing-key", where + " has no " + key);
        }

        private MappingNode currentMapping;

        private Boolean bool(Map<String, NodeTuple> keys, String key, String where) {
            NodeTuple t = keys.get(key);
            if (t == null) return null;
            Object v = value(t.getValueNode());
            if (v instanceof Boolean b) return b;
            problem(t.getValueNode(), "bad-type", where + ": " + key + " must be true or false, not " + describe(t.getValueNode()));
            return null;
        }

        private Duration duration(Node node, String what) {
            String s = scalar(node, what);
            if (s == null) return null;
            try {
                return Durations.parse(s);
            } catch (IllegalArgumentException e) {
                problem(node, "bad-value", what + ": " + e.getMessage());
                return null;
            }
        }

        private List<String> stringList(Node node, String what) {
            if (!(node instanceof SequenceNode seq)) {
                problem(node, "bad-type", what + " must be a list of strings; found " + kind(node));
                return null;
            }
            List<String> out = new ArrayList<>();
            boolean ok = true;
            for (Node n : seq.getValue()) {
                if (n instanceof ScalarNode s && !s.getTag().equals(Tag.NULL) && !s.getValue().isBlank()) out.add(s.getValue());
                else {
                    problem(n, "bad-type", what + ": every entry must be a string; found " + kind(n));
                    ok = false;
                }
            }
            return ok ? out : null;
        }

        private String scalar(Node node, String what) {
            if (node instanceof ScalarNode s && !s.getTag().equals(Tag.NULL) && !s.getValue().isBlank()) return s.getValue();
            problem(node, "bad-type", what + " must be a non-empty string; found " + kind(node));
            return null;
        }

        /** "step 'id'" when the step has a usable id, else "step". */
        private String stepLabel(MappingNode sm) {
            for (NodeTuple t : sm.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("id") && t.getValueNode() instanceof ScalarNode v
                        && !v.getValue().isBlank()) {
                    return "step '" + v.getValue() + "'";
                }
            }
            return "step";
        }

        private boolean hasKey(Node node, String key) {
            if (!(node instanceof MappingNode m)) return false;
            return m.getValue().stream().anyMatch(t -> t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(key));
        }
    }

    /** The YAML node as plain Java: Map (insertion order), List, String, Long, Double, Boolean, null. */
    static Object value(Node node) {
        if (node instanceof MappingNode m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                Object k = value(t.getKeyNode());
                out.put(String.valueOf(k), value(t.getValueNode()));
            }
            return out;
        }
        if (node instanceof SequenceNode s) {
            List<Object> out = new ArrayList<>();
            for (Node n : s.getValue()) out.add(value(n));
            return out;
        }
        ScalarNode s = (ScalarNode) node;
        String v = s.getValue();
        Tag tag = s.getTag();
        if (tag.equals(Tag.NULL)) return null;
        if (tag.equals(Tag.BOOL)) return Set.of("true", "yes", "on", "y").contains(v.toLowerCase(Locale.ROOT));
        if (tag.equals(Tag.INT)) {
            try {
                return Long.decode(v.replace("_", ""));
            } catch (NumberFormatException e) {
                return v;
            }
        }
        if (tag.equals(Tag.FLOAT)) {
            try {
                return Double.valueOf(v.replace("_", ""));
            } catch (NumberFormatException e) {
                return v;
            }
        }
        return v;
    }

    private static String kind(Node n) {
        if (n instanceof MappingNode) return "a mapping";
        if (n instanceof SequenceNode) return "a list";
        ScalarNode s = (ScalarNode) n;
        if (s.getTag().equals(Tag.NULL)) return "nothing";
        return "'" + s.getValue() + "'";
    }

    private static String describe(Node n) {
        return kind(n);
    }

    /** " (did you mean 'x'?)" when a known word is close, else "". */
    static String suggest(String given, java.util.Collection<String> known) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String k : known) {
            if (given.length() >= 4 && k.startsWith(given)) return " (did you mean '" + k + "'?)";
        }
        for (String k : known) {
            int d = io.bulwark.contract.EditDistance.between(given.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best != null && bestD <= Math.max(2, given.length() / 3) ? " (did you mean '" + best + "'?)" : "";
    }
}
