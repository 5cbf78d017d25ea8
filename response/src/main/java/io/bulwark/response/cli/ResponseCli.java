package io.bulwark.response.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.bulwark.response.Playbook;
import io.bulwark.response.PlaybookLoader;
import io.bulwark.response.Problem;
import io.bulwark.response.Step;
import io.bulwark.response.action.Action;
import io.bulwark.response.action.ActionCatalog;
import io.bulwark.response.action.Executors;
import io.bulwark.response.action.ParamSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bulwark playbooks check} and {@code bulwark actions list}. */
@Command(name = "bulwark", mixinStandardHelpOptions = true, subcommands = {ResponseCli.Playbooks.class, ResponseCli.Actions.class},
        description = {"Response playbooks and the action catalogue (docs/playbooks.md)."})
public final class ResponseCli implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this). */
    public static int run(String... args) {
        return new CommandLine(new ResponseCli()).execute(args);
    }

    /** Runs the CLI with its output (and usage errors) going to {@code out}. */
    public static int run(PrintWriter out, String... args) {
        return new CommandLine(new ResponseCli()).setOut(out).setErr(out).execute(args);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    @Command(name = "playbooks", mixinStandardHelpOptions = true, subcommands = {Check.class, Try.class},
            description = "Work with response playbooks.")
    static final class Playbooks implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getOut());
            return 2;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {
                "Check playbooks and report every problem as FILE:LINE:COL: reason [code], then a summary line. Exit 0 when every "
                        + "playbook is valid, 1 when there is a problem, 2 on bad usage. Warnings (FILE:LINE:COL: warning: …) "
                        + "do not change the exit code.",
                "",
                "Checks: YAML syntax; unknown and duplicate keys; types; 'match' (inline) or 'match_file' (the JSON file Terraform "
                        + "also uses as the EventBridge rule) compiled by AWS event-ruler, whose message is quoted; every step's "
                        + "action against the catalogue (bulwark actions list), its parameters (names, types, required, secrets "
                        + "only as references), its 'when' pattern; duplicate step ids; evidence before containment (a "
                        + "containment step before node.evidence, or kill/stop/delete-pod without node.evidence before it); "
                        + "guardrails (protected_namespaces, max_actions {count, window}, approval {timeout, default}); a "
                        + "playbook name used twice.",
                "",
                "Examples:",
                "  bulwark playbooks check                 the built-in default playbook",
                "  bulwark playbooks check playbooks/      every *.yaml, *.yml under it",
                "  bulwark playbooks check a.yaml b.yaml --json"
            })
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "FILE|DIR", arity = "0..*",
                description = "Playbook files or directories (default: the built-in classpath:playbooks/default.yaml).")
        List<Path> paths = new ArrayList<>();

        @Option(names = "--json", description = "Print {files, playbooks[], problems[{file,line,column,code,reason}]} as JSON.")
        boolean json;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PlaybookLoader loader = PlaybookLoader.standard();
            PlaybookLoader.Result r = paths.isEmpty() ? loader.loadResource("playbooks/default.yaml") : loader.load(paths);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("files", r.files());
                List<Map<String, Object>> pbs = new ArrayList<>();
                for (Playbook p : r.playbooks()) pbs.add(describe(p));
                m.put("playbooks", pbs);
                m.put("problems", r.problems());
                m.put("warnings", r.warnings());
                out.println(JSON.writeValueAsString(m));
            } else {
                for (Problem p : r.problems()) out.println(p);
                for (Problem w : r.warnings()) out.println(w.file() + ":" + w.line() + ":" + w.column() + ": warning: " + w.reason() + " [" + w.code() + "]");
                for (Playbook p : r.playbooks()) {
                    out.println("ok " + p.name() + " (" + p.file() + "): " + p.steps().size() + " steps, "
                            + p.fastPathSteps().size() + " on the node's fast path"
                            + (p.dryRun() ? ", dry run" : "")
                            + ", match " + (p.matchFile() != null ? "file " + p.matchFile() : "inline"));
                }
                out.println(r.files() + " file" + (r.files() == 1 ? "" : "s") + ", " + r.playbooks().size() + " valid playbook"
                        + (r.playbooks().size() == 1 ? "" : "s") + ", " + r.problems().size() + " problem" + (r.problems().size() == 1 ? "" : "s")
                        + (r.warnings().isEmpty() ? "" : ", " + r.warnings().size() + " warning" + (r.warnings().size() == 1 ? "" : "s")));
            }
            out.flush();
            return r.ok() ? 0 : 1;
        }

        private static Map<String, Object> describe(Playbook p) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("file", p.file());
            m.put("match", p.match().json());
            m.put("dry_run", p.dryRun());
            m.put("protected_namespaces", p.guardrails().protectedNamespaces());
            m.put("max_actions", p.guardrails().maxActions() == null ? null : p.guardrails().maxActions().toString());
            List<Map<String, Object>> steps = new ArrayList<>();
            for (Step s : p.steps()) {
                Map<String, Object> sm = new LinkedHashMap<>();
                sm.put("id", s.id());
                sm.put("action", s.action());
                sm.put("params", s.params());
                sm.put("when", s.when() == null ? null : s.when().json());
                sm.put("continue_on_error", s.continueOnError());
                sm.put("dry_run", s.dryRun());
                sm.put("fast_path", p.fastPathSteps().contains(s));
                steps.add(sm);
            }
            m.put("steps", steps);
            return m;
        }
    }

    @Command(name = "try", mixinStandardHelpOptions = true,
            description = {
                "Dry-run playbooks against events: which playbooks match, and what every step would do (the same Responder and "
                        + "guardrails as the sensor and the respond function, with a fresh in-memory state and every step a dry "
                        + "run: nothing acts). Prints one line per step and, with --audit, the audit records as JSON lines.",
                "Exit 0 when every event was handled, 1 when a playbook has problems or an event was rejected.",
                "",
                "Examples:",
                "  bulwark playbooks try --event alert.json       the built-in default playbook",
                "  bulwark playbooks try --event a.json --event b.json playbooks/ --audit"
            })
    static final class Try implements Callable<Integer> {
        @Parameters(paramLabel = "FILE|DIR", arity = "0..*", description = "Playbooks (default: the built-in default playbook).")
        List<Path> paths = new ArrayList<>();

        @Option(names = "--event", paramLabel = "FILE", required = true,
                description = "An event (EventBridge envelope JSON, e.g. one line of 'bulwark up --alerts'); repeatable.")
        List<Path> events = new ArrayList<>();

        @Option(names = "--audit", description = "Also print the audit records (JSON lines).")
        boolean audit;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PlaybookLoader loader = PlaybookLoader.standard();
            PlaybookLoader.Result r = paths.isEmpty() ? loader.loadResource("playbooks/default.yaml") : loader.load(paths);
            if (!r.ok()) {
                for (Problem p : r.problems()) out.println(p);
                out.println(r.problems().size() + " problem(s): fix them first (bulwark playbooks check)");
                out.flush();
                return 1;
            }
            io.bulwark.response.state.InMemoryResponseState state = new io.bulwark.response.state.InMemoryResponseState();
            io.bulwark.response.Responder responder = new io.bulwark.response.Responder(r.playbooks(), Executors.discover(), state,
                    java.time.Clock.systemUTC(), io.bulwark.response.Responder.Options.defaults().withDryRun(true)
                            .withPrincipal("playbooks-try@" + java.net.InetAddress.getLocalHost().getHostName()));
            int rejected = 0;
            for (Path e : events) {
                String text;
                try {
                    text = java.nio.file.Files.readString(e);
                } catch (java.io.IOException x) {
                    out.println(e + ": cannot read: " + x.getMessage());
                    rejected++;
                    continue;
                }
                io.bulwark.response.Responder.EventResult res;
                try {
                    res = responder.handle(text);
                } catch (io.bulwark.response.MalformedEventException x) {
                    out.println(e + ": rejected: " + x.getMessage());
                    rejected++;
                    continue;
                }
                if (res.runs().isEmpty()) out.println(e + ": no playbook matches (incident " + res.incident() + ")");
                for (io.bulwark.response.PlaybookRun run : res.runs()) {
                    out.println(e + ": " + run.playbook() + " matches (incident " + run.incident() + "): " + run.status());
                    for (io.bulwark.response.StepOutcome o : run.steps()) {
                        out.printf("  %-18s %-22s %-28s %s%n", o.step(), o.action(), o.status(), o.message());
                    }
                }
            }
            if (audit) {
                for (io.bulwark.response.state.AuditRecord a : state.auditLog()) out.println(io.bulwark.contract.Json.line(a));
            }
            out.flush();
            return rejected == 0 ? 0 : 1;
        }
    }

    @Command(name = "actions", mixinStandardHelpOptions = true, subcommands = {ListActions.class},
            description = "The action catalogue playbook steps choose from.")
    static final class Actions implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getOut());
            return 2;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {
                "Print every action a playbook step may name: scope (node, k8s, ec2, iam, notify, siem, control), target, whether "
                        + "it mutates (protected namespaces and rate limits apply), containment, reversible and its undo, "
                        + "parameters with types and defaults, and whether an executor for it is registered in this process.",
                "",
                "EXECUTOR 'no' means a step naming the action is recorded as NOT_CONFIGURED where this process would run it; "
                        + "node.* actions run in the sensor (bulwark up), the others in the respond function."
            })
    static final class ListActions implements Callable<Integer> {
        @Option(names = "--json", description = "Print the catalogue as JSON.")
        boolean json;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Executors executors = Executors.discover();
            List<Action> all = ActionCatalog.standard().all();
            if (json) {
                List<Map<String, Object>> l = new ArrayList<>();
                for (Action a : all) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", a.name());
                    m.put("scope", a.scope().id());
                    m.put("description", a.description());
                    m.put("target", a.target().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
                    m.put("node_local", a.nodeLocal());
                    m.put("mutating", a.mutating());
                    m.put("containment", a.containment());
                    m.put("needs_evidence_first", a.needsEvidenceFirst());
                    m.put("reversible", a.reversible());
                    m.put("undo_action", a.undoAction().orElse(null));
                    m.put("undo", a.undoDescription().isEmpty() ? null : a.undoDescription());
                    List<Map<String, Object>> ps = new ArrayList<>();
                    for (ParamSpec p : a.params()) {
                        Map<String, Object> pm = new LinkedHashMap<>();
                        pm.put("name", p.name());
                        pm.put("type", p.type().id());
                        pm.put("required", p.required());
                        pm.put("default", p.defaultValue());
                        if (!p.allowed().isEmpty()) pm.put("allowed", p.allowed());
                        pm.put("description", p.description());
                        ps.add(pm);
                    }
                    m.put("params", ps);
                    m.put("executor_available", a.scope() == io.bulwark.response.action.Scope.CONTROL || executors.available(a.name()));
                    l.add(m);
                }
                out.println(JSON.writeValueAsString(l));
            } else {
                out.printf("%-27s %-8s %-13s %-7s %-11s %-47s %s%n", "ACTION", "SCOPE", "TARGET", "MUTATES", "CONTAINMENT", "UNDO", "EXECUTOR");
                for (Action a : all) {
                    String undo = !a.reversible() ? "-" : a.undoAction().map(u -> "by " + u).orElse(a.undoDescription());
                    boolean builtIn = a.scope() == io.bulwark.response.action.Scope.CONTROL;
                    out.printf("%-27s %-8s %-13s %-7s %-11s %-47s %s%n", a.name(), a.scope().id(),
                            a.target().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                            a.mutating() ? "yes" : "no", a.containment() ? (a.needsEvidenceFirst() ? "yes*" : "yes") : "no", undo,
                            builtIn ? "built-in" : executors.available(a.name()) ? "yes" : "no");
                    out.println("    " + a.description());
                    for (ParamSpec p : a.params()) {
                        out.println("    " + p.name() + " (" + p.type().id() + (p.type() == io.bulwark.response.action.ParamType.ENUM
                                ? ": " + String.join("|", p.allowed()) : "") + ")"
                                + (p.required() ? " required" : p.defaultValue() == null ? "" : " = " + show(p.defaultValue()))
                                + ": " + p.description());
                    }
                }
                out.println();
                out.println(all.size() + " actions; " + executors.availableActions().size() + " with an executor in this process"
                        + (executors.availableActions().isEmpty() ? "" : " (" + String.join(", ", executors.availableActions()) + ")")
                        + "; * = destroys evidence: a playbook must run node.evidence before it");
                for (String e : executors.discoveryErrors()) out.println("executor provider failed: " + e);
            }
            out.flush();
            return 0;
        }

        private static String show(Object v) {
            if (v instanceof List<?> l) return l.isEmpty() ? "[]" : l.toString();
            return String.valueOf(v);
        }
    }
}
