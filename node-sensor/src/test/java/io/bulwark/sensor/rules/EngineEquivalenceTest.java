package io.bulwark.sensor.rules;

import static io.bulwark.sensor.rules.RuleTesting.engine;
import static io.bulwark.sensor.rules.RuleTesting.fired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.contract.Syscall;
import io.bulwark.sensor.local.Rulesets;
import io.bulwark.sensor.rules.eval.Pred;
import io.bulwark.sensor.rules.fields.EventView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The engine's fast path (plans per event type, the dispatch on guard fields and shared macros, per-event
 * memo slots, a reused view) gives exactly the verdicts of the plain evaluation: every loaded rule's
 * compiled condition walked as written on a fresh view without memo slots, with no index at all. Checked on
 * the built-in escape ruleset and on each of Falco's three rule files (and all three together), over events
 * generated from the values the rules themselves name, plus the benchmark mixes.
 */
class EngineEquivalenceTest {
    private static final int EVENTS = 20_000;

    // ------------------------------------------------------------------ dispatch cases that would change a verdict

    @Test
    void resultsComeInLoadOrderAcrossGuardGroupsMacroGroupsAndUnguardedRules() {
        String yaml = """
                - macro: in_ctr
                  condition: container.id != host
                - rule: a
                  desc: d
                  condition: evt.type = execve and proc.name = sh and in_ctr
                  output: o
                  priority: WARNING
                - rule: b
                  desc: d
                  condition: evt.type = execve and user.uid = 0
                  output: o
                  priority: WARNING
                - rule: c
                  desc: d
                  condition: evt.type = execve and in_ctr and proc.vpid != 1
                  output: o
                  priority: WARNING
                - rule: e
                  desc: d
                  condition: evt.type = execve and proc.name in (bash, sh) and user.uid = 0
                  output: o
                  priority: WARNING
                - rule: f
                  desc: d
                  condition: evt.type = execve and in_ctr and proc.exe startswith /bin/
                  output: o
                  priority: WARNING
                """;
        RuleEngine e = engine(yaml);
        SensorEvent ev = Ev.exec("sh", "/bin/sh").build();
        assertEquals(List.of("a", "b", "c", "e", "f"), fired(e, ev));
        assertEquals(5, e.count(ev));
        assertEquals(List.of("b", "c", "f"), fired(e, Ev.exec("ls", "/bin/ls").build()));
        assertEquals(List.of("b", "e"), fired(e, Ev.exec("bash", "/usr/bin/bash").host().build()));
    }

    @Test
    void aListValueMeetsEveryRuleGuardedByItsField() {
        // in over a list field: every element in the set; an empty list is vacuously in it
        RuleEngine e = engine(RuleTesting.rule("evt.type = openat and thread.cap_effective in (CAP_SYS_ADMIN, CAP_CHOWN)"));
        assertEquals(List.of("r"), fired(e, Ev.open("/x", "O_RDONLY").caps(Ev.CAP_SYS_ADMIN).build()));
        assertEquals(List.of("r"), fired(e, Ev.open("/x", "O_RDONLY").caps(0).build()));
        assertEquals(List.of(), fired(e, Ev.open("/x", "O_RDONLY").caps(Ev.CAP_SYS_ADMIN | Ev.CAP_SYS_MODULE).build()));
        // a list-valued argument against a text guard: compared as its space-joined text
        RuleEngine m = engine(RuleTesting.rule("evt.type = mount and evt.arg.fstype = \"ext4 xfs\""));
        assertEquals(List.of("r"), fired(m, Ev.of("mount").arg("fstype", List.of("ext4", "xfs")).build()));
        assertEquals(List.of(), fired(m, Ev.of("mount").arg("fstype", List.of("ext4")).build()));
    }

    @Test
    void guardsComparedAsTextMatchNumbersBooleansAndUnitedOrBranches() {
        RuleEngine e = engine(RuleTesting.rule("evt.type = mount and (evt.arg.fstype = cgroup or evt.arg.fstype in (5, true))"));
        assertEquals(List.of("r"), fired(e, Ev.of("mount").arg("fstype", "cgroup").build()));
        assertEquals(List.of("r"), fired(e, Ev.of("mount").arg("fstype", 5).build()));
        assertEquals(List.of("r"), fired(e, Ev.of("mount").arg("fstype", 5L).build()));
        assertEquals(List.of("r"), fired(e, Ev.of("mount").arg("fstype", true).build()));
        assertEquals(List.of(), fired(e, Ev.of("mount").arg("fstype", "ext4").build()));
        assertEquals(List.of(), fired(e, Ev.of("mount").build()));
    }

    @Test
    void negatedAndUnknownTestsAreNoGuards() {
        RuleEngine e = engine(RuleTesting.rule("evt.type = execve and not proc.name in (sh, bash) and proc.name != ls"));
        assertEquals(List.of("r"), fired(e, Ev.exec("cat", "/bin/cat").build()));
        assertEquals(List.of(), fired(e, Ev.exec("sh", "/bin/sh").build()));
        assertEquals(List.of(), fired(e, Ev.exec("ls", "/bin/ls").build()));
        // proc.cwd is never collected: unknown, so neither the test nor its negation fires
        assertEquals(List.of(), fired(engine(RuleTesting.rule("evt.type = execve and proc.cwd = /tmp")), Ev.exec("sh", "/bin/sh").build()));
        assertEquals(List.of(), fired(engine(RuleTesting.rule("evt.type = execve and not proc.cwd = /tmp")), Ev.exec("sh", "/bin/sh").build()));
    }

    @Test
    void aSharedTestInSeveralRulesGivesEachRuleItsOwnVerdict() {
        String yaml = """
                - list: roots
                  items: [/host, /rootfs]
                - list: other_roots
                  items: [/host, /rootfs]
                - rule: w
                  desc: d
                  condition: evt.type = openat and fd.name pmatch (roots) and evt.is_open_write = true
                  output: o
                  priority: WARNING
                - rule: x
                  desc: d
                  condition: evt.type = openat and fd.name pmatch (other_roots) and not evt.is_open_write = true
                  output: o
                  priority: WARNING
                """;
        LoadResult r = RuleTesting.load(yaml);
        assertTrue(r.warnings().isEmpty(), () -> "both lists are used: " + r.warnings());
        assertEquals(List.of("w"), fired(r.engine(), Ev.open("/host/etc/passwd", "O_WRONLY").build()));
        assertEquals(List.of("x"), fired(r.engine(), Ev.open("/rootfs/etc/passwd", "O_RDONLY").build()));
        assertEquals(List.of(), fired(r.engine(), Ev.open("/etc/passwd", "O_WRONLY").build()));
    }

    @Test
    void generatedCodeForWideDeepAndUnknownConditionsGivesThePlainVerdicts() {
        // wider and/or than one generated method holds (split into methods of 24 operands), nesting deeper than one
        // method's budget, and unknown operands (proc.cwd is never collected) in every position of and/or/not
        StringBuilder wideOr = new StringBuilder("(proc.cwd = /x and proc.name = sh)");
        StringBuilder wideAnd = new StringBuilder("fd.name startswith /a");
        for (int k = 0; k < 70; k++) {
            wideOr.append(" or fd.name = /a").append(k).append(k % 10 == 3 ? " or (proc.name = sh and proc.cwd = /y" + k + ")" : "");
            wideAnd.append(" and (fd.name != /a").append(k * 3).append(" or proc.cwd = /z)");
        }
        StringBuilder deep = new StringBuilder("fd.name = /a1");
        for (int k = 0; k < 60; k++) {
            deep = new StringBuilder(k % 2 == 0
                    ? "(proc.name = p" + k + " or " + deep + ")"
                    : "(not proc.name = q" + k + " and " + deep + (k % 5 == 0 ? " and not proc.cwd = /w" : "") + ")");
        }
        String yaml = """
                - macro: wide_or
                  condition: (%s)
                - rule: wide or
                  desc: d
                  condition: evt.type = openat and wide_or
                  output: o
                  priority: WARNING
                - rule: not wide or
                  desc: d
                  condition: evt.type = openat and not wide_or
                  output: o
                  priority: WARNING
                - rule: wide and
                  desc: d
                  condition: evt.type = openat and %s
                  output: o
                  priority: WARNING
                - rule: not wide and
                  desc: d
                  condition: evt.type = openat and not (%s)
                  output: o
                  priority: WARNING
                - rule: deep
                  desc: d
                  condition: evt.type = openat and %s
                  output: o
                  priority: WARNING
                - rule: not deep
                  desc: d
                  condition: evt.type = openat and not %s
                  output: o
                  priority: WARNING
                """.formatted(wideOr, wideAnd, wideAnd, deep, deep);
        LoadResult r = RuleTesting.load(yaml);
        List<SensorEvent> events = new ArrayList<>();
        Random rnd = new Random(5);
        for (int i = 0; i < 3000; i++) {
            String name = rnd.nextInt(8) == 0 ? "/b" + i : "/a" + rnd.nextInt(240);
            String proc = rnd.nextInt(3) == 0 ? "p" + 2 * rnd.nextInt(30) : rnd.nextInt(2) == 0 ? "q" + (2 * rnd.nextInt(30) + 1) : "sh";
            events.add(Ev.open(name, "O_RDONLY").proc(proc, "/bin/" + proc).build());
        }
        compare("wide and deep", r, events);
        // and the cases fire as expected, so the comparison above compares something
        RuleEngine e = r.engine();
        assertEquals(List.of("wide or", "wide and"), fired(e, Ev.open("/a1", "O_RDONLY").proc("sh", "/bin/sh").build()));
        assertEquals(List.of("wide or", "not deep"), fired(e, Ev.open("/a3", "O_RDONLY").proc("q59", "/bin/q59").build()));
        assertEquals(List.of("not wide or", "not wide and", "not deep"), fired(e, Ev.open("/b", "O_RDONLY").proc("q59", "/bin/q59").build()));
        assertEquals(List.of("wide or", "wide and", "deep"), fired(e, Ev.open("/a1", "O_RDONLY").proc("p58", "/bin/p58").build()));
        // deep is UNKNOWN for /a1 by sh (an unknown operand of a TRUE and), FALSE for /a200
        assertEquals(List.of("wide and", "not deep"), fired(e, Ev.open("/a200", "O_RDONLY").proc("sh", "/bin/sh").build()));
    }

    // ------------------------------------------------------------------ differential: fast path == plain evaluation

    @Test
    void builtInEscapeRulesetGivesThePlainVerdicts() {
        LoadResult r = Rulesets.loadResult(true, List.of());
        List<SensorEvent> events = new ArrayList<>(RuleEngineBench.escapeMix(1024, new Random(7)));
        events.addAll(generate(r.engine(), Rulesets.builtinText(), EVENTS, new Random(11)));
        compare("escape", r, events);
    }

    @Test
    void falcoStableRulesGiveThePlainVerdicts() throws IOException {
        falco("falco_rules.yaml");
    }

    @Test
    void falcoIncubatingRulesGiveThePlainVerdicts() throws IOException {
        falco("falco-incubating_rules.yaml");
    }

    @Test
    void falcoSandboxRulesGiveThePlainVerdicts() throws IOException {
        falco("falco-sandbox_rules.yaml");
    }

    @Test
    void allThreeFalcoFilesTogetherGiveThePlainVerdicts() throws IOException {
        Path dir = RuleTesting.falcoRules();
        List<Path> files = List.of(dir.resolve("falco_rules.yaml"), dir.resolve("falco-incubating_rules.yaml"),
                dir.resolve("falco-sandbox_rules.yaml"));
        LoadResult r = new RuleLoader().load(files);
        StringBuilder text = new StringBuilder();
        for (Path f : files) {
            text.append(Files.readString(f)).append('\n');
        }
        List<SensorEvent> events = new ArrayList<>(RuleEngineBench.mix(1024, new Random(7)));
        events.addAll(generate(r.engine(), text.toString(), EVENTS, new Random(13)));
        compare("falco (all three)", r, events);
    }

    private static void falco(String name) throws IOException {
        Path f = RuleTesting.falcoRules().resolve(name);
        LoadResult r = new RuleLoader().load(List.of(f));
        List<SensorEvent> events = new ArrayList<>(RuleEngineBench.mix(1024, new Random(7)));
        events.addAll(generate(r.engine(), Files.readString(f), EVENTS, new Random(name.hashCode())));
        compare(name, r, events);
    }

    /**
     * Every event through the engine (matchingRules, evaluate, count) against every rule's condition walked on
     * a plain view. Also checks that the events reach the rules: a differential test over events no rule
     * looks at would prove nothing.
     */
    private static void compare(String what, LoadResult r, List<SensorEvent> events) {
        assertTrue(r.errors().isEmpty(), () -> r.errors().toString());
        RuleEngine generated = r.engine();
        // the engine runs its plans as generated code for every type (a silent fallback to the tree walk would leave
        // the generated code untested here); the walking engine for none
        assertEquals(List.of(), generated.walkedTypes(), () -> what + ": types without generated code");
        compare(what + " (generated code)", generated, events);
        RuleEngine walked = generated.withoutGeneratedCode();
        assertFalse(walked.walkedTypes().isEmpty(), () -> what + ": the walking engine has generated code");
        compare(what + " (tree walk)", walked, events);
    }

    private static void compare(String what, RuleEngine e, List<SensorEvent> events) {
        Set<String> firedRules = new TreeSet<>();
        int matched = 0;
        long n = 0;
        for (SensorEvent ev : events) {
            List<String> plain = new ArrayList<>();
            for (Rule rule : e.rules()) {
                if (rule.predicate().test(new EventView(ev, ++n)) == Pred.TRUE) {
                    plain.add(rule.name());
                }
            }
            List<String> fast = e.matchingRules(ev).stream().map(Rule::name).toList();
            if (!plain.equals(fast)) {
                fail(what + ": engine " + fast + " but plain evaluation " + plain + " for " + ev);
            }
            List<RuleMatch> rendered = e.evaluate(ev);
            assertEquals(plain, rendered.stream().map(m -> m.rule().name()).toList(), () -> what + ": evaluate() for " + ev);
            for (RuleMatch m : rendered) {
                if (!m.rule().output().fieldNames().contains("evt.num")) {
                    Map<String, Object> fields = new LinkedHashMap<>();
                    String text = m.rule().output().render(new EventView(ev, 1), fields);
                    assertEquals(text, m.output(), () -> what + ": output of " + m.rule().name());
                    assertEquals(fields, m.outputFields(), () -> what + ": output fields of " + m.rule().name());
                    assertEquals(List.copyOf(fields.keySet()), List.copyOf(m.outputFields().keySet()),
                            () -> what + ": order of the output fields of " + m.rule().name());
                }
            }
            assertEquals(plain.size(), e.count(ev), () -> what + ": count() for " + ev);
            matched += plain.isEmpty() ? 0 : 1;
            firedRules.addAll(plain);
        }
        int rules = e.rules().size();
        int m = matched;
        assertTrue(m > events.size() / 50, () -> what + ": only " + m + " of " + events.size() + " events match a rule");
        assertTrue(firedRules.size() * 3 >= rules, () -> what + ": only " + firedRules.size() + " of " + rules + " rules ever fire: "
                + firedRules);
    }

    // ------------------------------------------------------------------ event generator

    private static final Pattern TOKEN = Pattern.compile("\"([^\"\\n]{1,80})\"|'([^'\\n]{1,80})'|([A-Za-z0-9_./:@*+\\-]{1,80})");
    private static final Pattern ARG = Pattern.compile("evt\\.(?:raw)?arg\\.([a-z_0-9]+)");
    private static final List<String> TYPES = List.of("open", "openat", "openat2", "creat", "execve", "connect", "mount", "setns",
            "unshare", "clone", "ptrace", "io_uring_submit", "dup2", "socket", "memfd_create", "symlinkat", "renameat2", "nosuch", "");
    private static final List<String> STANDARD_ARGS = List.of("name", "path", "flags", "mode", "fd", "family", "addr", "port", "opcode",
            "source", "target", "fstype", "filename", "oldpath", "newpath", "linkpath", "domain", "type", "oldfd_type", "request", "pid",
            "ns_host", "ns_inum", "exe_memfd");
    private static final List<String> FLAGS = List.of("O_RDONLY", "O_RDONLY|O_CLOEXEC", "O_WRONLY|O_CREAT|O_TRUNC", "O_RDWR",
            "O_RDONLY|O_DIRECTORY", "O_WRONLY|O_APPEND", "O_CREAT|O_EXCL|O_WRONLY");

    /**
     * Random events whose types, argument names and values, process and parent names, paths and container
     * facts are drawn from the words of the rule files (list items, quoted and bare literals), mixed with
     * plain values, numbers, booleans, list values and missing values.
     */
    static List<SensorEvent> generate(RuleEngine engine, String rulesText, int count, Random rnd) {
        List<String> words = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        Matcher m = TOKEN.matcher(rulesText);
        while (m.find()) {
            String w = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            if (seen.add(w)) {
                words.add(w);
            }
        }
        List<String> paths = words.stream().filter(w -> w.startsWith("/")).toList();
        List<String> names = words.stream().filter(w -> !w.contains(" ") && !w.contains("/")).toList();
        Set<String> argNames = new LinkedHashSet<>(STANDARD_ARGS);
        Matcher a = ARG.matcher(rulesText);
        while (a.find()) {
            argNames.add(a.group(1));
        }
        List<String> args = List.copyOf(argNames);
        List<String> types = new ArrayList<>(TYPES);
        types.addAll(engine.index().keySet());
        List<SensorEvent> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String type = pick(rnd, types);
            Map<String, Object> sargs = new LinkedHashMap<>();
            if (rnd.nextInt(3) > 0) {
                String p = path(rnd, paths, names);
                sargs.put("name", p);
                sargs.put("path", rnd.nextInt(4) == 0 ? pick(rnd, names) : p);
                sargs.put("flags", pick(rnd, FLAGS));
            }
            int extra = rnd.nextInt(6);
            for (int k = 0; k < extra; k++) {
                sargs.put(pick(rnd, args), value(rnd, words, paths, names));
            }
            if (type.equals("connect")) {
                sargs.put("family", pick(rnd, List.of("AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK")));
                sargs.put("addr", pick(rnd, List.of("10.0.0.1", "169.254.169.254", "127.0.0.1", "fd00:ec2::254", "::1")));
                sargs.put("port", (long) pick(rnd, List.of(443, 2375, 10250, 6443, 53, 2379)));
            }
            long result = rnd.nextInt(4) == 0 ? -1 : rnd.nextInt(5);
            Syscall sc = new Syscall(type, sargs, result, result < 0 ? "EPERM" : null);
            out.add(new SensorEvent(1764345600123456789L + i, sc, process(rnd, paths, names), container(rnd, paths, names)));
        }
        return out;
    }

    private static ProcessInfo process(Random rnd, List<String> paths, List<String> names) {
        String comm = rnd.nextInt(5) == 0 ? pick(rnd, List.of("runc:[2:INIT]", "runc", "sh", "containerd-shim")) : pick(rnd, names);
        String exe = rnd.nextBoolean() ? pick(rnd, paths) : "/usr/bin/" + comm;
        List<String> argv = new ArrayList<>();
        for (int k = rnd.nextInt(4); k > 0; k--) {
            argv.add(rnd.nextBoolean() ? pick(rnd, names) : pick(rnd, paths));
        }
        List<ProcessInfo.Ancestor> anc = new ArrayList<>();
        for (int k = rnd.nextInt(4); k > 0; k--) {
            String c = rnd.nextInt(3) == 0 ? pick(rnd, List.of("runc", "containerd-shim", "sshd", "systemd", "bash")) : pick(rnd, names);
            anc.add(new ProcessInfo.Ancestor(rnd.nextInt(3) == 0 ? 1 : 4000 + k, c, "/usr/bin/" + c, c + " " + pick(rnd, names)));
        }
        int pid = 4242;
        int vpid = switch (rnd.nextInt(3)) {
            case 0 -> 1;
            case 1 -> pid;
            default -> 7;
        };
        long caps = rnd.nextInt(3) == 0 ? 0 : rnd.nextLong() & ((1L << 41) - 1) & (rnd.nextBoolean() ? 0x3fL << 16 : -1L);
        String cmdline = argv.isEmpty() ? comm : comm + " " + String.join(" ", argv);
        return new ProcessInfo(pid, pid, anc.isEmpty() ? 1 : anc.get(0).pid(), vpid, rnd.nextBoolean() ? 0 : 1000, 0,
                rnd.nextBoolean() ? -1 : 1000, comm, exe, argv, rnd.nextInt(8) == 0 ? null : cmdline, rnd.nextInt(4) == 0 ? 34816 : 0,
                9123, new ProcessInfo.Namespaces(1, 2, 3, 4, 5, 6, 7), caps, caps, rnd.nextInt(5) == 0, rnd.nextInt(4) == 0, anc);
    }

    private static ContainerInfo container(Random rnd, List<String> paths, List<String> names) {
        if (rnd.nextInt(5) == 0) {
            return null;
        }
        List<ContainerInfo.Mount> mounts = new ArrayList<>();
        for (int k = rnd.nextInt(3); k > 0; k--) {
            mounts.add(new ContainerInfo.Mount(pick(rnd, paths), pick(rnd, paths), "bind", List.of("rbind", "rprivate")));
        }
        List<String> hostNs = rnd.nextInt(4) == 0 ? List.of(pick(rnd, List.of("network", "ipc", "pid"))) : List.of();
        String id = rnd.nextInt(10) == 0 ? "host" : "3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e" + rnd.nextInt(10);
        return new ContainerInfo(id, pick(rnd, names), "runc", "docker.io/library/" + pick(rnd, names) + ":1", 4150, "running",
                "/run/bundle", "/nonexistent-rootfs", "/sys/fs/cgroup/x", rnd.nextInt(4) == 0, List.of(), mounts, hostNs, 0, true,
                null, null, false, List.of(), List.of(), List.of(), null, Map.of(), null);
    }

    private static String path(Random rnd, List<String> paths, List<String> names) {
        return switch (rnd.nextInt(4)) {
            case 0 -> pick(rnd, paths);
            case 1 -> pick(rnd, paths) + "/" + pick(rnd, names);
            case 2 -> "/proc/" + pick(rnd, List.of("self", "1", "4242", "thread-self")) + "/" + pick(rnd, names);
            default -> pick(rnd, List.of("/host", "/rootfs", "/dev", "/sys/fs/cgroup/rdma", "/etc")) + "/" + pick(rnd, names);
        };
    }

    private static Object value(Random rnd, List<String> words, List<String> paths, List<String> names) {
        return switch (rnd.nextInt(9)) {
            case 0 -> (long) rnd.nextInt(3);
            case 1 -> rnd.nextInt(3); // an Integer, as JSON decoding gives
            case 2 -> rnd.nextBoolean();
            case 3 -> List.of(pick(rnd, names), pick(rnd, names));
            case 4 -> path(rnd, paths, names);
            default -> pick(rnd, words);
        };
    }

    private static <T> T pick(Random rnd, List<T> l) {
        return l.get(rnd.nextInt(l.size()));
    }
}
