package io.bulwark.sensor.rules;

import static io.bulwark.sensor.rules.YamlNodes.scalar;
import static io.bulwark.sensor.rules.YamlNodes.strings;

import io.bulwark.sensor.rules.RuleCollector.ExceptionItem;
import io.bulwark.sensor.rules.RuleCollector.RuleItem;
import io.bulwark.sensor.rules.condition.Ast;
import io.bulwark.sensor.rules.condition.ConditionParser;
import io.bulwark.sensor.rules.condition.ConditionSyntaxException;
import io.bulwark.sensor.rules.condition.Operators;
import io.bulwark.sensor.rules.condition.Origin;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Third stage of a load: a rule's exceptions into its condition, as Falco does:
 * {@code condition and not ((f1 c1 v1 and f2 c2 v2) or …)} for each exception with values. A single-field
 * exception ({@code fields: proc.name}) compares with {@code in} unless {@code comps} says otherwise; a
 * multi-field one with {@code =} per field. Each term keeps the exception's position, so an error inside it
 * points at the exception.
 */
final class ExceptionExpander {
    private ExceptionExpander() {}

    /**
     * The condition with {@code r}'s exceptions; a malformed exception is reported (file:line:col of the
     * exception) into {@code problems} and {@code errs} and left out.
     */
    static Ast expand(RuleItem r, Ast cond, LoadProblems problems, List<String> errs) {
        List<Ast> terms = new ArrayList<>();
        terms.add(cond);
        for (ExceptionItem x : r.exceptions) {
            Ast not = exclusion(r, x, problems, errs);
            if (not != null) {
                terms.add(not);
            }
        }
        return terms.size() == 1 ? cond : new Ast.And(terms, 0);
    }

    /** {@code not (alternative or …)} for one exception, or null when it is malformed or has no values. */
    private static Ast exclusion(RuleItem r, ExceptionItem x, LoadProblems problems, List<String> errs) {
        String where = "exception '" + x.name + "'";
        boolean single = x.fields instanceof ScalarNode;
        List<String> fields = single ? List.of(scalar(x.fields)) : strings(x.fields);
        List<String> comps;
        if (x.comps == null) {
            comps = single ? List.of("in") : fields == null ? null : fields.stream().map(f -> "=").toList();
        } else {
            comps = x.comps instanceof ScalarNode ? List.of(scalar(x.comps)) : strings(x.comps);
        }
        if (fields == null || comps == null || comps.size() != fields.size()) {
            error(r, x, problems, errs, where + ": 'comps' must have one operator per field (" + (fields == null ? 0 : fields.size()) + ")");
            return null;
        }
        List<Ast.FieldExpr> fexprs = new ArrayList<>();
        boolean bad = false;
        for (String f : fields) {
            try {
                fexprs.add(ConditionParser.parseField(f));
            } catch (ConditionSyntaxException e) {
                error(r, x, problems, errs, where + ": " + e.getMessage());
                bad = true;
            }
        }
        for (String op : comps) {
            if (!Operators.BINARY.contains(op)) {
                error(r, x, problems, errs, where + ": unknown operator '" + op + "'");
                bad = true;
            }
        }
        if (bad) {
            return null;
        }
        List<Ast> alternatives = single ? singleField(r, x, fexprs.get(0), comps.get(0), problems, errs, where)
                : tuples(r, x, fexprs, comps, problems, errs, where);
        if (alternatives == null || alternatives.isEmpty()) {
            return null;
        }
        Ast any = alternatives.size() == 1 ? alternatives.get(0) : new Ast.Or(alternatives, 0);
        return new Ast.Scoped(new Ast.Not(any, 0), Origin.fixed(x.pos), 0);
    }

    /** {@code fields: f}: one test over all values with a list operator, else one test per value. */
    private static List<Ast> singleField(RuleItem r, ExceptionItem x, Ast.FieldExpr field, String op, LoadProblems problems,
                                         List<String> errs, String where) {
        List<Ast.Literal> items = new ArrayList<>();
        for (Node v : x.values) {
            String s = scalar(v);
            if (s == null) {
                error(r, x, problems, errs, where + ": values of a single-field exception are strings");
                return null;
            }
            items.add(new Ast.Literal(s, false, 0));
        }
        List<Ast> alternatives = new ArrayList<>();
        if (items.isEmpty()) {
            return alternatives;
        }
        if (Operators.LISTS.contains(op)) {
            alternatives.add(new Ast.Check(field, op, new Ast.ListValue(items, 0), 0));
        } else {
            for (Ast.Literal l : items) {
                alternatives.add(new Ast.Check(field, Operators.normal(op), new Ast.Literal(l.text(), true, 0), 0));
            }
        }
        return alternatives;
    }

    /** {@code fields: [f1, f2]}: each value a tuple, one conjunction per tuple; a nested list needs a list operator. */
    private static List<Ast> tuples(RuleItem r, ExceptionItem x, List<Ast.FieldExpr> fexprs, List<String> comps, LoadProblems problems,
                                    List<String> errs, String where) {
        List<Ast> alternatives = new ArrayList<>();
        for (Node v : x.values) {
            if (!(v instanceof SequenceNode tuple) || tuple.getValue().size() != fexprs.size()) {
                error(r, x, problems, errs, where + ": each value must be a list of " + fexprs.size() + " items (one per field)");
                return null;
            }
            List<Ast> conj = new ArrayList<>();
            for (int k = 0; k < fexprs.size(); k++) {
                Node e = tuple.getValue().get(k);
                String op = Operators.normal(comps.get(k));
                Ast.Value value;
                if (e instanceof SequenceNode inner) {
                    List<Ast.Literal> items = new ArrayList<>();
                    for (Node in : inner.getValue()) {
                        items.add(new Ast.Literal(scalar(in), false, 0));
                    }
                    value = new Ast.ListValue(items, 0);
                } else if (Operators.LISTS.contains(op)) {
                    value = new Ast.ListValue(List.of(new Ast.Literal(scalar(e), false, 0)), 0);
                } else {
                    value = new Ast.Literal(scalar(e), true, 0);
                }
                if (value instanceof Ast.ListValue && !Operators.LISTS.contains(op)) {
                    error(r, x, problems, errs, where + ": a list value needs in, intersects or pmatch, not '" + op + "'");
                    return null;
                }
                conj.add(new Ast.Check(fexprs.get(k), op, value, 0));
            }
            alternatives.add(conj.size() == 1 ? conj.get(0) : new Ast.And(conj, 0));
        }
        return alternatives;
    }

    private static void error(RuleItem r, ExceptionItem x, LoadProblems problems, List<String> errs, String message) {
        errs.add(message + " at " + x.pos);
        problems.at(x.pos, "rule", r.name, ProblemCode.LOAD_ERR_VALIDATE, message);
    }
}
