package io.bulwark.sensor.rules;

import static io.bulwark.sensor.rules.RuleTesting.engine;
import static io.bulwark.sensor.rules.RuleTesting.fired;
import static io.bulwark.sensor.rules.RuleTesting.load;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Items, append/override, exceptions, and how problems are reported. */
class RuleLoaderTest {

    private static final String BASE = """
            - list: shells
              items: [sh, bash]
            - macro: spawned
              condition: evt.type = execve
            - macro: shell
              condition: proc.name in (shells)
            - rule: Shell
              desc: a shell ran
              condition: spawned and shell
              output: shell %proc.name
              priority: NOTICE
              tags: [a]
            """;

    private static LoadResult loadTwo(String first, String second) {
        return new RuleLoader().loadSources(List.of(new RuleLoader.Source("one.yaml", first), new RuleLoader.Source("two.yaml", second)));
    }

    @Test
    void macrosAndListsAreExpandedIntoRules() {
        RuleEngine e = engine(BASE);
        assertEquals(List.of("Shell"), fired(e, Ev.exec("bash", "/bin/bash").build()));
        assertEquals(List.of(), fired(e, Ev.exec("zsh", "/bin/zsh").build()));
        assertEquals(List.of(), fired(e, Ev.open("/bin/bash", "O_RDONLY").proc("bash", "/bin/bash").build()));
    }

    @Test
    void macrosAndListsMayBeDefinedAfterTheRuleThatUsesThem() {
        RuleEngine e = engine("""
                - rule: R
                  desc: d
                  condition: evt.type = execve and later
                  output: o
                  priority: INFO
                - macro: later
                  condition: proc.name in (later_list)
                - list: later_list
                  items: [zsh]
                """);
        assertEquals(List.of("R"), fired(e, Ev.exec("zsh", "/bin/zsh").build()));
    }

    @Test
    void listAppendInALaterFileExtendsTheList() {
        LoadResult r = loadTwo(BASE, """
                - list: shells
                  items: [zsh]
                  append: true
                """);
        assertEquals(List.of("Shell"), fired(r.engine(), Ev.exec("zsh", "/bin/zsh").build()));
        assertEquals(List.of("Shell"), fired(r.engine(), Ev.exec("sh", "/bin/sh").build()));
    }

    @Test
    void overrideReplaceSwapsListItems() {
        LoadResult r = loadTwo(BASE, """
                - list: shells
                  items: [zsh]
                  override:
                    items: replace
                """);
        assertEquals(List.of("Shell"), fired(r.engine(), Ev.exec("zsh", "/bin/zsh").build()));
        assertEquals(List.of(), fired(r.engine(), Ev.exec("sh", "/bin/sh").build()));
    }

    @Test
    void macroAppendAddsToTheCondition() {
        LoadResult r = loadTwo(BASE, """
                - macro: shell
                  condition: or proc.name = fish
                  override:
                    condition: append
                """);
        assertEquals(List.of("Shell"), fired(r.engine(), Ev.exec("fish", "/bin/fish").build()));
        assertEquals(List.of("Shell"), fired(r.engine(), Ev.exec("bash", "/bin/bash").build()));
    }

    @Test
    void ruleAppendAndOverrideChangeConditionOutputPriorityAndTags() {
        LoadResult r = loadTwo(BASE, """
                - rule: Shell
                  condition: and user.uid = 0
                  append: true
                - rule: Shell
                  output: uid=%user.uid
                  priority: CRITICAL
                  tags: [b]
                  override:
                    output: append
                    priority: replace
                    tags: append
                """);
        assertTrue(r.errors().isEmpty(), () -> r.errors().toString());
        RuleEngine e = r.engine();
        assertEquals(List.of(), fired(e, Ev.exec("bash", "/bin/bash").uid(1000).build()));
        List<RuleMatch> m = e.evaluate(Ev.exec("bash", "/bin/bash").uid(0).build());
        assertEquals(1, m.size());
        assertEquals("shell bash uid=0", m.get(0).output());
        assertEquals(Priority.CRITICAL, m.get(0).rule().priority());
        assertEquals(List.of("a", "b"), m.get(0).rule().tags());
        assertEquals("one.yaml", m.get(0).rule().file(), "the rule keeps its defining file");
    }

    @Test
    void enabledFalseDisablesAndALaterEnabledOnlyItemReenables() {
        LoadResult off = loadTwo(BASE, "- rule: Shell\n  enabled: false\n");
        assertEquals(RuleStatus.DISABLED, off.rule("Shell").status());
        assertTrue(off.engine().rules().isEmpty());
        LoadResult on = new RuleLoader().loadSources(List.of(new RuleLoader.Source("one.yaml", BASE),
                new RuleLoader.Source("two.yaml", "- rule: Shell\n  enabled: false\n"),
                new RuleLoader.Source("three.yaml", "- rule: Shell\n  override:\n    enabled: replace\n  enabled: true\n")));
        assertEquals(RuleStatus.LOADED, on.rule("Shell").status());
    }

    @Test
    void redefiningARuleReplacesIt() {
        LoadResult r = loadTwo(BASE, """
                - rule: Shell
                  desc: new
                  condition: evt.type = execve and proc.name = fish
                  output: fish
                  priority: INFO
                """);
        assertEquals(List.of("Shell"), fired(r.engine(), Ev.exec("fish", "/bin/fish").build()));
        assertEquals(List.of(), fired(r.engine(), Ev.exec("bash", "/bin/bash").build()));
        assertEquals(1, r.rules().size());
    }

    @Test
    void exceptionsExcludeTupleMatchesAndSingleFieldLists() {
        RuleEngine e = engine(BASE.replace("  tags: [a]\n", """
                  tags: [a]
                  exceptions:
                    - name: known_parents
                      fields: [proc.pname, proc.cmdline]
                      comps: [=, startswith]
                      values:
                        - [cron, "bash -c backup"]
                    - name: admins
                      fields: proc.aname[2]
                      values: [ansible, salt]
                    - name: pname_in
                      fields: [proc.pname]
                      comps: [in]
                      values:
                        - [[make, ninja]]
                """));
        assertEquals(List.of(), fired(e, Ev.exec("bash", "/bin/bash", "-c", "backup", "now").parent("cron", "/usr/sbin/cron", "cron").build()));
        assertEquals(List.of("Shell"), fired(e, Ev.exec("bash", "/bin/bash", "-c", "evil").parent("cron", "/usr/sbin/cron", "cron").build()));
        assertEquals(List.of(), fired(e, Ev.exec("sh", "/bin/sh").parent("python", "/usr/bin/python", "python").parent("ansible", "/a", "a").build()));
        assertEquals(List.of(), fired(e, Ev.exec("sh", "/bin/sh").parent("ninja", "/usr/bin/ninja", "ninja").build()));
        assertEquals(List.of("Shell"), fired(e, Ev.exec("sh", "/bin/sh").parent("node", "/usr/bin/node", "node").build()));
    }

    @Test
    void exceptionValuesCanBeAppendedLater() {
        String first = BASE.replace("  tags: [a]\n", """
                  tags: [a]
                  exceptions:
                    - name: parents
                      fields: [proc.pname]
                """);
        LoadResult r = loadTwo(first, """
                - rule: Shell
                  exceptions:
                    - name: parents
                      values:
                        - [cron]
                  override:
                    exceptions: append
                """);
        assertTrue(r.errors().isEmpty(), () -> r.errors().toString());
        assertEquals(List.of(), fired(r.engine(), Ev.exec("sh", "/bin/sh").parent("cron", "/c", "cron").build()));
        assertEquals(List.of("Shell"), fired(r.engine(), Ev.exec("sh", "/bin/sh").parent("init", "/i", "init").build()));
    }

    @Test
    void badConditionIsReportedWithFileLineAndColumn() {
        LoadResult r = load("""
                - rule: Broken
                  desc: d
                  condition: evt.type = execve and (proc.name = sh
                  output: o
                  priority: INFO
                """);
        assertEquals(RuleStatus.ERROR, r.rule("Broken").status());
        LoadProblem p = r.errors().get(0);
        assertEquals(ProblemCode.LOAD_ERR_COMPILE_CONDITION, p.code());
        assertEquals("test.yaml:3:50 rule 'Broken': missing ')' to close the '(' [LOAD_ERR_COMPILE_CONDITION]", p.format());
    }

    @Test
    void badConditionInAFoldedBlockPointsAtTheRightLine() {
        LoadResult r = load("""
                - rule: Folded
                  desc: d
                  condition: >
                    evt.type = execve
                    and proc.name =
                  output: o
                  priority: INFO
                """);
        LoadProblem p = r.errors().get(0);
        assertEquals(5, p.line(), p::format);
        assertTrue(p.reason().contains("missing value"), p::format);
    }

    @Test
    void unknownMacroIsAnErrorAtItsPosition() {
        LoadResult r = load(RuleTesting.rule("evt.type = execve and not no_such_macro"));
        assertEquals(RuleStatus.ERROR, r.rule("r").status());
        assertEquals("test.yaml:3:40 rule 'r': undefined macro 'no_such_macro' [LOAD_ERR_COMPILE_CONDITION]", r.errors().get(0).format());
    }

    @Test
    void unknownFieldMakesTheRuleUnsupportedWithFileLineAndField() {
        LoadResult r = load("""
                - macro: m
                  condition: fd.frobnicate = 1
                """ + RuleTesting.rule("evt.type = openat and m"));
        RuleReport rr = r.rule("r");
        assertEquals(RuleStatus.UNSUPPORTED, rr.status());
        assertTrue(rr.reason().contains("unsupported field 'fd.frobnicate' at test.yaml:2:14"), rr.reason());
        LoadProblem w = r.warnings().stream().filter(p -> p.code() == ProblemCode.LOAD_UNSUPPORTED_FIELD).findFirst().orElseThrow();
        assertEquals("test.yaml:2:14 rule 'r': field 'fd.frobnicate' is not supported by Bulwark (see docs/fields.md) [LOAD_UNSUPPORTED_FIELD]",
                w.format());
        assertTrue(r.engine().rules().isEmpty(), "an unsupported rule is never evaluated");
    }

    @Test
    void unknownFieldInOutputMakesTheRuleUnsupported() {
        LoadResult r = load("- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: x=%foo.bar\n  priority: INFO\n");
        assertEquals(RuleStatus.UNSUPPORTED, r.rule("r").status());
        assertTrue(r.rule("r").reason().contains("output uses unsupported field 'foo.bar' at test.yaml:4:13"), r.rule("r").reason());
    }

    @Test
    void badYamlIsReportedWithPosition() {
        LoadResult r = load("- rule: r\n  desc: [unclosed\n  priority: INFO\n");
        assertEquals(1, r.errors().size());
        LoadProblem p = r.errors().get(0);
        assertEquals(ProblemCode.LOAD_ERR_YAML_PARSE, p.code());
        assertTrue(p.line() >= 2, p::format);
        assertTrue(p.format().startsWith("test.yaml:" + p.line() + ":" + p.column() + " "), p::format);
    }

    @Test
    void everyProblemIsReportedInOnePass() {
        LoadResult r = load("""
                - rule: A
                  desc: d
                  condition: evt.type = (
                  output: o
                  priority: INFO
                - rule: B
                  desc: d
                  condition: evt.type = execve
                  output: o
                  priority: SEVERE
                - rule: C
                  desc: d
                  condition: evt.type = execve
                  priority: INFO
                - list: l
                  items: [a]
                  append: true
                - rule: D
                  desc: d
                  condition: evt.type = execve and proc.tty = abc
                  output: o
                  priority: INFO
                - rule: Fine
                  desc: d
                  condition: evt.type = execve
                  output: o
                  priority: INFO
                """);
        assertEquals(RuleStatus.ERROR, r.rule("A").status());
        assertEquals(RuleStatus.ERROR, r.rule("B").status());
        assertEquals(RuleStatus.ERROR, r.rule("C").status());
        assertEquals(RuleStatus.ERROR, r.rule("D").status());
        assertEquals(RuleStatus.LOADED, r.rule("Fine").status());
        assertEquals(5, r.errors().size(), () -> r.errors().toString());
        assertTrue(r.errors().stream().anyMatch(p -> p.reason().contains("'abc' is not a number")));
        assertTrue(r.errors().stream().anyMatch(p -> p.item().equals("l") && p.reason().contains("no list by that name")));
        assertTrue(r.errors().stream().anyMatch(p -> p.item().equals("C") && p.reason().equals("rule has no 'output'")));
    }

    @Test
    void otherSourcesAreUnsupportedWithAReason() {
        LoadResult r = load("""
                - rule: K8s audit
                  desc: d
                  condition: ka.verb = create
                  output: o
                  priority: INFO
                  source: k8s_audit
                """);
        assertEquals(RuleStatus.UNSUPPORTED, r.rule("K8s audit").status());
        assertTrue(r.rule("K8s audit").reason().contains("source 'k8s_audit'"));
        assertFalse(r.hasErrors());
    }

    @Test
    void requiredVersionsAreAcceptedAsWarnings() {
        LoadResult r = load("""
                - required_engine_version: 0.57.0
                - required_plugin_versions:
                    - name: container
                      version: 0.4.0
                """);
        assertFalse(r.hasErrors());
        assertEquals(2, r.warnings().stream().filter(p -> p.code() == ProblemCode.LOAD_UNCHECKED_REQUIREMENT).count());
    }

    @Test
    void rulesAreIndexedByTheEventTypesTheyCanMatch() {
        RuleEngine e = engine("""
                - rule: Opens
                  desc: d
                  condition: evt.type in (open, openat) and not evt.type = open
                  output: o
                  priority: INFO
                - rule: NotPtrace
                  desc: d
                  condition: not evt.type = ptrace and proc.name = sh
                  output: o
                  priority: INFO
                - rule: Execs
                  desc: d
                  condition: (evt.type = execve or evt.type = execveat) and proc.name = sh
                  output: o
                  priority: INFO
                """);
        assertEquals(List.of("Opens", "NotPtrace"), e.candidates("openat").stream().map(Rule::name).toList());
        assertEquals(List.of("NotPtrace"), e.candidates("open").stream().map(Rule::name).toList());
        assertEquals(List.of(), e.candidates("ptrace").stream().map(Rule::name).toList());
        assertEquals(List.of("NotPtrace", "Execs"), e.candidates("execve").stream().map(Rule::name).toList());
        assertEquals(List.of("NotPtrace"), e.candidates("mount").stream().map(Rule::name).toList());
        assertEquals(List.of("NotPtrace"), e.unrestricted().stream().map(Rule::name).toList());
    }

    @Test
    void quotedListItemsLoseTheirQuotes() {
        assertEquals("sh -c x", RuleCompiler.unquote("\"sh -c x\""));
        assertEquals("(systemd)", RuleCompiler.unquote("\"(systemd)\""));
        assertEquals("plain", RuleCompiler.unquote("plain"));
        RuleEngine e = engine("- list: cmds\n  items: ['\"sh -c id\"']\n" + RuleTesting.rule("proc.cmdline in (cmds)"));
        assertEquals(List.of("r"), fired(e, Ev.exec("sh", "/bin/sh", "-c", "id").build()));
        assertNull(e.rules().get(0).vector());
    }
}
