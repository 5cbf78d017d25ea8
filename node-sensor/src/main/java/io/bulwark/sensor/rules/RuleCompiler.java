package io.bulwark.sensor.rules;

import io.bulwark.sensor.event.EventSchema;
import io.bulwark.sensor.rules.RuleCollector.ListItem;
import io.bulwark.sensor.rules.RuleCollector.MacroItem;
import io.bulwark.sensor.rules.RuleCollector.RuleItem;
import io.bulwark.sensor.rules.condition.Ast;
import io.bulwark.sensor.rules.condition.ConditionParser;
import io.bulwark.sensor.rules.condition.ConditionSyntaxException;
import io.bulwark.sensor.rules.condition.Origin;
import io.bulwark.sensor.rules.eval.ConditionCompiler;
import io.bulwark.sensor.rules.eval.OutputTemplate;
import io.bulwark.sensor.rules.eval.TypeSet;
import io.bulwark.sensor.rules.fields.FieldRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Last stage of a load (Falco's compiler): lists resolved, macros parsed, each rule's condition parsed,
 * its exceptions expanded and the whole compiled against the field registry, its output compiled, its
 * {@code evt.arg} names checked against {@link EventSchema}; then the rules that loaded become the engine.
 * Every rule gets a report (loaded, disabled, unsupported, error); unused macros and lists are warnings.
 */
final class RuleCompiler {
    private final FieldRegistry registry;
    private final RuleCollector collected;
    private final LoadProblems problems;

    RuleCompiler(FieldRegistry registry, RuleCollector collected, LoadProblems problems) {
        this.registry = registry;
        this.collected = collected;
        this.problems = problems;
    }

    LoadResult compile(List<String> files) {
        Map<String, ListItem> lists = collected.lists;
        Map<String, List<String>> resolvedLists = new LinkedHashMap<>();
        for (ListItem li : lists.values()) {
            resolvedLists.put(li.name, resolveList(li, new LinkedHashSet<>()));
        }
        Map<String, ConditionCompiler.MacroDef> macroDefs = new LinkedHashMap<>();
        for (MacroItem mi : collected.macros.values()) {
            try {
                macroDefs.put(mi.name, new ConditionCompiler.MacroDef(mi.name, ConditionParser.parse(mi.condition), mi.origin, null));
            } catch (ConditionSyntaxException e) {
                Origin.Position p = mi.origin.at(e.offset());
                problems.at(p, "macro", mi.name, ProblemCode.LOAD_ERR_COMPILE_CONDITION, e.getMessage());
                macroDefs.put(mi.name, new ConditionCompiler.MacroDef(mi.name, null, mi.origin, e.getMessage() + " at " + p));
            }
        }
        ConditionCompiler compiler = new ConditionCompiler(registry, macroDefs, resolvedLists);
        List<RuleReport> reports = new ArrayList<>();
        List<Rule> loaded = new ArrayList<>();
        for (RuleItem r : collected.rules.values()) {
            reports.add(compileRule(r, compiler, loaded));
        }
        for (MacroItem mi : collected.macros.values()) {
            if (!compiler.usedMacros().contains(mi.name)) {
                problems.at(mi.pos, "macro", mi.name, ProblemCode.LOAD_UNUSED_MACRO, "macro is not used by any rule");
            }
        }
        // lists used only by macros count as used when the macro is (the compiler expands them on use)
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
                problems.at(li.pos, "list", li.name, ProblemCode.LOAD_UNUSED_LIST, "list is not used by any rule or macro");
            }
        }
        return new LoadResult(files, reports, problems.errors(), problems.warnings(), RuleEngine.of(loaded, compiler.slots()));
    }

    private boolean usedByUsedList(String name, Set<String> used) {
        for (String u : used) {
            ListItem li = collected.lists.get(u);
            if (li != null && li.items.stream().anyMatch(i -> unquote(i.getValue()).equals(name))) {
                return true;
            }
        }
        return false;
    }

    /** A list's items with the lists it names expanded in place (a cycle stops at the list already open). */
    private List<String> resolveList(ListItem li, Set<String> visiting) {
        List<String> out = new ArrayList<>();
        visiting.add(li.name);
        for (ScalarNode item : li.items) {
            String raw = item.getValue();
            ListItem ref = collected.lists.get(raw);
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
            problems.at(at, "rule", r.name, ProblemCode.LOAD_UNSUPPORTED_SOURCE, reason);
            return report(r, RuleStatus.UNSUPPORTED, reason);
        }
        Ast cond;
        try {
            cond = ConditionParser.parse(r.condition);
        } catch (ConditionSyntaxException e) {
            Origin.Position p = r.condOrigin.at(e.offset());
            problems.at(p, "rule", r.name, ProblemCode.LOAD_ERR_COMPILE_CONDITION, e.getMessage());
            return report(r, RuleStatus.ERROR, e.getMessage() + " at " + p);
        }
        List<String> exErrors = new ArrayList<>();
        Ast full = ExceptionExpander.expand(r, cond, problems, exErrors);
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
            problems.at(at, "rule", r.name, ProblemCode.LOAD_NO_EVTTYPE, "condition does not restrict evt.type"
                    + (types.names().isEmpty() ? "" : " (only excludes " + new TreeSet<>(types.names()) + ")")
                    + ": the rule is evaluated on every event");
        } else if (types.names().isEmpty()) {
            problems.at(at, "rule", r.name, ProblemCode.LOAD_NEVER_MATCHES, "the evt.type tests of the condition exclude every event type: the rule can never match");
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
        Set<String> known = new TreeSet<>();
        List<String> pinned = new ArrayList<>();
        if (!types.cofinite()) {
            for (String t : new TreeSet<>(types.names())) {
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
                problems.at(p, "rule", r.name, ProblemCode.LOAD_ARG_NOT_CARRIED, msg);
            } else {
                errs.add(msg + " at " + p);
                problems.at(p, "rule", r.name, ProblemCode.LOAD_ERR_COMPILE_CONDITION, msg);
            }
        }
    }

    /** An issue of the condition or the output: an unsupported field (the rule is not loaded, a warning) or an error. */
    private void record(RuleItem r, ConditionCompiler.Issue i, boolean output, List<String> errs, List<String> unsupported) {
        Origin.Position p = i.position();
        if (i.kind() == ConditionCompiler.Issue.Kind.UNSUPPORTED) {
            unsupported.add((output ? "output uses " : "uses ") + "unsupported field '" + i.field() + "' at " + p);
            problems.at(p, "rule", r.name, ProblemCode.LOAD_UNSUPPORTED_FIELD, (output ? "output: " : "") + i.message());
        } else {
            errs.add(i.message() + " at " + p);
            problems.at(p, "rule", r.name, output ? ProblemCode.LOAD_ERR_COMPILE_OUTPUT : ProblemCode.LOAD_ERR_COMPILE_CONDITION, i.message());
        }
    }

    private static RuleReport report(RuleItem r, RuleStatus status, String reason) {
        return new RuleReport(r.name, r.pos.file(), r.pos.line(), status, reason);
    }
}
