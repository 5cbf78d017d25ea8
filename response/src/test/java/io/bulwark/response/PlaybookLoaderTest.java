package io.bulwark.response;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlaybookLoaderTest {
    private final PlaybookLoader loader = PlaybookLoader.standard();

    static Path resource(String name) {
        try {
            return Path.of(PlaybookLoaderTest.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "line:col code" of every problem, in order. */
    private static List<String> where(PlaybookLoader.Result r) {
        return r.problems().stream().map(p -> p.line() + ":" + p.column() + " " + p.code()).collect(Collectors.toList());
    }

    @Test
    void reportsEveryProblemOfABrokenPlaybookWithLineAndColumn() {
        PlaybookLoader.Result r = loader.load(resource("playbooks/broken/many-problems.yaml"));
        assertFalse(r.ok());
        assertTrue(r.playbooks().isEmpty(), "a playbook with problems is never returned");
        assertEquals(List.of(
                "4:3 bad-pattern",                    // match: priority: CRITICAL (not a list)
                "7:10 bad-type",                      // dry_run: maybe
                "10:24 bad-value",                    // max_actions.count: 0
                "10:35 bad-value",                    // window: 10 minutes
                "11:3 unknown-key",                   // aproval
                "13:5 containment-before-evidence",   // freeze before evidence
                "18:13 bad-param",                    // full: yes please
                "19:9 duplicate-step-id",             // freeze again
                "20:13 unknown-action",               // k8s.quarantine
                "25:7 unknown-param",                 // namespace
                "29:20 bad-param",                    // routing_key given as a literal secret
                "32:11 bad-pattern",                  // when: prefix 1
                "33:5 unknown-key"),                  // contine_on_error
                where(r));
        assertTrue(r.problems().stream().allMatch(p -> p.file().endsWith("many-problems.yaml")));
        String all = r.problems().stream().map(Problem::toString).collect(Collectors.joining("\n"));
        assertTrue(all.contains("many-problems.yaml:4:3: match is not a valid event pattern (event-ruler: \"priority\" must be an object or an array)"), all);
        assertTrue(all.contains("unknown key 'aproval' (did you mean 'approval'?)"), all);
        assertTrue(all.contains("unknown action 'k8s.quarantine' (did you mean 'k8s.quarantine-label'?)"), all);
        assertTrue(all.contains("step 'delete': unknown key 'contine_on_error' (did you mean 'continue_on_error'?)"), all);
        assertTrue(all.contains("duplicate step id 'freeze' (first at line 13)"), all);
        assertTrue(all.contains("evidence before containment, always"), all);
        assertTrue(all.contains("prefix match pattern must be a string"), all);
    }

    @Test
    void yamlSyntaxErrorHasItsPosition() {
        PlaybookLoader.Result r = loader.load(resource("playbooks/broken/syntax.yaml"));
        assertEquals(List.of("6:4 yaml-syntax"), where(r));
        assertTrue(r.problems().get(0).toString().matches(".*syntax\\.yaml:6:4: YAML syntax: expected <block end>.*"), r.problems().toString());
    }

    @Test
    void patternFileProblemsPointIntoThePatternFile() {
        PlaybookLoader.Result bad = loader.load(resource("playbooks/broken/bad-pattern-file.yaml"));
        Problem p = bad.problems().stream().filter(x -> x.code().equals("bad-pattern")).findFirst().orElseThrow();
        assertTrue(p.file().endsWith("playbooks/patterns/bad.json"), p.toString());
        assertEquals(3, p.line());
        assertEquals(27, p.column());
        assertTrue(p.reason().contains("\"priority\" must be an object or an array"), p.reason());

        PlaybookLoader.Result notJson = loader.load(resource("playbooks/broken/not-json-pattern.yaml"));
        assertEquals(List.of("3:39 bad-match-file"), where(notJson));
        assertTrue(notJson.problems().get(0).file().endsWith("patterns/notjson.json"));

        PlaybookLoader.Result missing = loader.load(resource("playbooks/broken/needs-evidence.yaml"));
        assertEquals(List.of("2:13 bad-match-file", "4:5 needs-evidence", "6:5 needs-evidence"), where(missing));
        assertTrue(missing.problems().get(0).reason().contains("no such file"), missing.problems().toString());
    }

    @Test
    void missingKeysBothMatchFormsEmptyStepsAndDryRunOverride() {
        PlaybookLoader.Result r = loader.parse("t.yaml", """
                description: nothing else
                """, n -> { throw new IOException("unused"); });
        assertEquals(List.of("1:1 missing-key", "1:1 missing-key", "1:1 missing-key"), where(r));
        assertTrue(r.problems().toString().contains("has no name"));

        r = loader.parse("t.yaml", """
                name: x
                match: {source: [bulwark.sensor]}
                match_file: p.json
                dry_run: true
                steps:
                  - id: e
                    action: node.evidence
                    dry_run: false
                  - id: notify
                    action: notify.slack
                    params: {webhook: "env:SLACK_WEBHOOK", channel: "#sec"}
                """, n -> { throw new IOException("unused"); });
        assertEquals(List.of("3:1 match-twice", "8:14 dry-run-override", "11:44 unknown-param"), where(r));

        r = loader.parse("t.yaml", "name: x\nmatch: {source: [a]}\nsteps:\n  - {id: s, action: notify.slack}\n", n -> null);
        assertEquals(List.of("4:5 missing-param"), where(r));
        assertTrue(r.problems().get(0).reason().contains("notify.slack needs parameter 'webhook'"), r.problems().toString());

        r = loader.parse("t.yaml", "name: x\nmatch: {source: [a]}\nsteps: []\n", n -> null);
        assertEquals(List.of("3:8 empty-steps"), where(r));

        r = loader.parse("t.yaml", "", n -> null);
        assertEquals(List.of("1:1 empty"), where(r));
    }

    @Test
    void parameterDefaultsAreFilledAndSeveralDocumentsLoad() {
        PlaybookLoader.Result r = loader.parse("two.yaml", """
                name: one
                match: {source: [bulwark.sensor]}
                steps:
                  - {id: ev, action: node.evidence}
                  - {id: kill, action: node.kill, params: {signal: TERM}}
                ---
                name: two
                match: {detail-type: [Container Escape Alert]}
                guardrails: {protected_namespaces: [payments], max_actions: {count: 3, window: 1h}, approval: {timeout: 2m, default: approve}}
                steps:
                  - {id: ok, action: control.approval}
                  - {id: tell, action: notify.pagerduty, params: {routing_key: "env:PD_KEY"}}
                """, n -> null);
        assertTrue(r.ok(), r.problems().toString());
        Playbook one = r.playbooks().get(0);
        assertEquals("TERM", one.steps().get(1).params().get("signal"));
        assertEquals("process", one.steps().get(1).params().get("scope"));
        assertEquals(true, one.steps().get(0).params().get("full"));
        assertEquals(2, one.fastPathSteps().size());
        assertEquals(Guardrails.DEFAULT_PROTECTED, one.guardrails().protectedNamespaces());
        Playbook two = r.playbooks().get(1);
        assertEquals(List.of("payments"), two.guardrails().protectedNamespaces());
        assertEquals("3 per 1h", two.guardrails().maxActions().toString());
        assertEquals(Decision.APPROVE, two.guardrails().approvalDefault());
        assertEquals("auto", two.steps().get(1).params().get("severity"));
        assertEquals(0, two.fastPathSteps().size());
    }

    @Test
    void aNodeStepAfterACloudStepIsAWarningNotAProblem() {
        PlaybookLoader.Result r = loader.parse("late.yaml", """
                name: late-freeze
                match: {source: [bulwark.sensor]}
                steps:
                  - {id: evidence, action: node.evidence}
                  - {id: tell, action: notify.sns}
                  - {id: freeze, action: node.freeze}
                  - {id: ask, action: control.approval}
                  - {id: kill, action: node.kill}
                """, n -> null);
        assertTrue(r.ok(), r.problems().toString());
        assertEquals(1, r.playbooks().size());
        assertEquals(List.of("6:5 not-fast-path"), r.warnings().stream().map(p -> p.line() + ":" + p.column() + " " + p.code()).toList());
        assertTrue(r.warnings().get(0).reason().startsWith("step 'freeze' (node.freeze) comes after 'tell' (notify.sns), so the sensor"));
        assertEquals(List.of("evidence"), r.playbooks().get(0).fastPathSteps().stream().map(Step::id).toList());
    }

    @Test
    void aPlaybookNameUsedTwiceAcrossFilesIsAProblem(@TempDir Path dir) throws IOException {
        String pb = "name: same\nmatch: {source: [bulwark.sensor]}\nsteps:\n  - {id: e, action: node.evidence}\n";
        Files.writeString(dir.resolve("a.yaml"), pb);
        Files.writeString(dir.resolve("b.yml"), pb);
        Files.writeString(dir.resolve("notes.txt"), "not a playbook");
        PlaybookLoader.Result r = loader.load(List.of(dir));
        assertEquals(2, r.files());
        assertEquals(1, r.playbooks().size());
        assertEquals(List.of("1:1 duplicate-playbook"), where(r));
        assertTrue(r.problems().get(0).file().endsWith("b.yml"));
    }

    @Test
    void theDefaultPlaybookIsValidAndPutsEvidenceBeforeTheFreeze() {
        List<Playbook> pbs = PlaybookLoader.defaultPlaybooks();
        assertEquals(1, pbs.size());
        Playbook d = pbs.get(0);
        assertEquals("default-containment", d.name());
        assertEquals(List.of("node.evidence", "node.freeze", "k8s.quarantine-label", "k8s.deny-all-netpol", "notify.sns"),
                d.steps().stream().map(Step::action).toList());
        assertEquals(List.of("evidence", "freeze"), d.fastPathSteps().stream().map(Step::id).toList());
        assertEquals(List.of("kube-system", "bulwark"), d.guardrails().protectedNamespaces());
    }
}
