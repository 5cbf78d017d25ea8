package io.bulwark.sensor.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Falco's own rule files are the compatibility corpus. The counts are pinned: a change in them means a
 * field or syntax was gained or lost, and docs/rules.md should say so.
 */
class FalcoCorpusTest {

    private static LoadResult load(String name) {
        return new RuleLoader().load(List.of(RuleTesting.falcoRules().resolve(name)));
    }

    private static String notLoaded(LoadResult r) {
        return r.rules().stream().filter(x -> x.status() != RuleStatus.LOADED)
                .map(x -> x.status() + " " + x.name() + ": " + x.reason()).collect(Collectors.joining("\n"));
    }

    @Test
    void stableRulesLoadCompletely() {
        LoadResult r = load("falco_rules.yaml");
        assertTrue(r.errors().isEmpty(), () -> r.errors().toString());
        assertEquals(0, r.count(RuleStatus.UNSUPPORTED), () -> notLoaded(r));
        assertEquals(0, r.count(RuleStatus.ERROR), () -> notLoaded(r));
        assertEquals(25, r.count(RuleStatus.LOADED), () -> notLoaded(r));
        assertEquals(0, r.count(RuleStatus.DISABLED));
        assertEquals(25, r.engine().rules().size());
    }

    @Test
    void everyStableRuleIsIndexedByEventType() {
        LoadResult r = load("falco_rules.yaml");
        assertEquals(List.of(), r.engine().unrestricted().stream().map(Rule::name).toList());
        assertEquals(11, r.engine().candidates("execve").size());
        assertEquals(5, r.engine().candidates("openat").size());
        assertEquals(0, r.engine().candidates("mount").size());
    }

    @Test
    void incubatingRulesCounts() {
        LoadResult r = load("falco-incubating_rules.yaml");
        assertTrue(r.errors().isEmpty(), () -> r.errors().toString());
        assertEquals(31, r.count(RuleStatus.LOADED), () -> notLoaded(r));
        assertEquals(0, r.count(RuleStatus.DISABLED), () -> notLoaded(r));
        assertEquals(0, r.count(RuleStatus.UNSUPPORTED), () -> notLoaded(r));
        assertEquals(0, r.count(RuleStatus.ERROR), () -> notLoaded(r));
    }

    @Test
    void sandboxRulesCounts() {
        LoadResult r = load("falco-sandbox_rules.yaml");
        assertTrue(r.errors().isEmpty(), () -> r.errors().toString());
        assertEquals(25, r.count(RuleStatus.LOADED), () -> notLoaded(r));
        assertEquals(12, r.count(RuleStatus.DISABLED), () -> notLoaded(r));
        assertEquals(0, r.count(RuleStatus.UNSUPPORTED), () -> notLoaded(r));
        assertEquals(0, r.count(RuleStatus.ERROR), () -> notLoaded(r));
    }

    @Test
    void allThreeFilesLoadTogetherInOrder() {
        Path dir = RuleTesting.falcoRules();
        LoadResult r = new RuleLoader().load(List.of(dir.resolve("falco_rules.yaml"), dir.resolve("falco-incubating_rules.yaml"),
                dir.resolve("falco-sandbox_rules.yaml")));
        assertTrue(r.errors().isEmpty(), () -> r.errors().toString());
        assertEquals(3, r.summary().size());
        assertEquals(0, r.count(RuleStatus.UNSUPPORTED) + r.count(RuleStatus.ERROR), () -> notLoaded(r));
    }
}
