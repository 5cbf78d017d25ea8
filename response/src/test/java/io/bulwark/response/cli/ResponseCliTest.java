package io.bulwark.response.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ResponseCliTest {
    private record Run(int code, String out) {}

    private static Run run(String... args) {
        StringWriter w = new StringWriter();
        int code = ResponseCli.run(new PrintWriter(w, true), args);
        return new Run(code, w.toString());
    }

    private static String res(String name) throws Exception {
        return Path.of(ResponseCliTest.class.getClassLoader().getResource(name).toURI()).toString();
    }

    @Test
    void checkWithoutArgumentsChecksTheBuiltInDefaultPlaybook() {
        Run r = run("playbooks", "check");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("ok default-containment (classpath:playbooks/default.yaml): 5 steps, 2 on the node's fast path"), r.out());
        assertTrue(r.out().endsWith("1 file, 1 valid playbook, 0 problems\n"), r.out());
    }

    @Test
    void checkPrintsEveryProblemAndASummaryAndExitsOne() throws Exception {
        Run r = run("playbooks", "check", res("playbooks/broken/many-problems.yaml"), res("playbooks/broken/syntax.yaml"));
        assertEquals(1, r.code());
        String[] lines = r.out().split("\n");
        assertEquals(15, lines.length, r.out());
        assertTrue(lines[0].matches(".*/many-problems\\.yaml:4:3: match is not a valid event pattern .*\\[bad-pattern]"), lines[0]);
        assertTrue(lines[13].matches(".*/syntax\\.yaml:6:4: YAML syntax: .*\\[yaml-syntax]"), lines[13]);
        assertEquals("2 files, 0 valid playbooks, 14 problems", lines[14]);
    }

    @Test
    void checkJsonListsProblemsWithPositions() throws Exception {
        Run r = run("playbooks", "check", "--json", res("playbooks/broken/needs-evidence.yaml"));
        assertEquals(1, r.code());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(3, j.get("problems").size());
        JsonNode p = j.get("problems").get(1);
        assertEquals(4, p.get("line").asInt());
        assertEquals(5, p.get("column").asInt());
        assertEquals("needs-evidence", p.get("code").asText());
    }

    @Test
    void aMissingFileIsAProblemAndBadUsageExitsTwo() {
        Run r = run("playbooks", "check", "/nonexistent/pb.yaml");
        assertEquals(1, r.code());
        assertTrue(r.out().startsWith("/nonexistent/pb.yaml:1:1: no such file [unreadable]"), r.out());
        assertEquals(2, run("playbooks", "check", "--bogus").code());
    }

    @Test
    void actionsListShowsTheWholeCatalogueAndThatNoExecutorIsRegisteredHere() throws Exception {
        Run r = run("actions", "list");
        assertEquals(0, r.code());
        for (String a : new String[] {"node.evidence", "node.freeze", "node.thaw", "node.kill", "node.stop", "k8s.quarantine-label",
                "k8s.deny-all-netpol", "k8s.delete-pod", "k8s.cordon", "ec2.isolate", "ec2.termination-protection", "ec2.keep-volumes",
                "iam.revoke-sessions", "ec2.snapshot", "notify.sns", "notify.slack", "notify.pagerduty", "siem.ocsf", "control.approval"}) {
            assertTrue(r.out().contains("\n" + a + " "), a + " missing:\n" + r.out());
        }
        assertTrue(r.out().contains("19 actions; 0 with an executor in this process"), r.out());
        JsonNode j = new ObjectMapper().readTree(run("actions", "list", "--json").out());
        assertEquals(19, j.size());
        JsonNode freeze = j.get(1);
        assertEquals("node.freeze", freeze.get("name").asText());
        assertEquals("node", freeze.get("scope").asText());
        assertEquals("node.thaw", freeze.get("undo_action").asText());
        assertEquals(false, freeze.get("executor_available").asBoolean());
        assertEquals("2s", freeze.get("params").get(0).get("default").asText());
    }

    @Test
    void tryShowsWhatTheDefaultPlaybookWouldDoAndChangesNothing() throws Exception {
        Run r = run("playbooks", "try", "--event", res("events/critical-core-pattern.json"), "--event", res("events/notice-recon.json"),
                "--audit");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("critical-core-pattern.json: default-containment matches (incident inc-7d1e0b9c4a): COMPLETED"), r.out());
        assertTrue(r.out().matches("(?s).*  freeze +node\\.freeze +DRY_RUN +dry run: would run node\\.freeze on container/bw-test-1a2b3c4d .*"), r.out());
        assertTrue(r.out().contains("notice-recon.json: no playbook matches"), r.out());
        assertTrue(r.out().contains("\"dry_run\":true"), r.out());
        Run bad = run("playbooks", "try", "--event", res("playbooks/patterns/notjson.json"));
        assertEquals(1, bad.code());
        assertTrue(bad.out().contains("rejected: event is not JSON"), bad.out());
    }
}
