package io.bulwark.sensor.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.sensor.detect.Detector;
import io.bulwark.sensor.rules.LoadResult;
import io.bulwark.sensor.rules.RuleLoader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** detail.node.runtimes: the versions the node's runtimes print, on every alert, valid against the schema. */
class RuntimeVersionsTest {

    @Test
    void versionsAreReadFromEachRuntimesOwnFirstLine() {
        assertEquals("1.1.5+ds1", RuntimeVersions.parse("runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\ngo: go1.19.8\nlibseccomp: 2.5.4\n"));
        assertEquals("1.1.12", RuntimeVersions.parse("runc version 1.1.12\ncommit: v1.1.12-0-g51d5e946\nspec: 1.0.2-dev\n"));
        assertEquals("1.0.0-rc93", RuntimeVersions.parse("runc version 1.0.0-rc93\nspec: 1.0.2-dev\n"));
        assertEquals("1.7.24", RuntimeVersions.parse("containerd github.com/containerd/containerd v1.7.24 88bf19b2105c8b17560993bee28a01ddc2f97182\n"));
        assertEquals("1.6.20~ds1", RuntimeVersions.parse("containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n"));
        assertEquals("1.8.1", RuntimeVersions.parse("crun version 1.8.1\ncommit: f8a096be060b22ccd3d5f3ebe44108517fbf6c30\nrundir: /run/user/0/crun\nspec: 1.0.0\n+SYSTEMD +SELINUX\n"));
        assertEquals("4.3.1", RuntimeVersions.parse("podman version 4.3.1\n"));
        assertNull(RuntimeVersions.parse("usage: runc [flags]\nspec: 1.0.2\n"), "a version on a later line is not the runtime's");
        assertNull(RuntimeVersions.parse(""));
    }

    @Test
    void aMissingRuntimeIsAbsent() {
        assertNull(RuntimeVersions.find("bulwark-no-such-runtime", "/nonexistent"));
    }

    /** What {@code runc --version} prints on this machine, by the test's own reading of its first line. */
    static String runcVersion() throws Exception {
        Path runc = RuntimeVersions.find("runc", System.getenv("PATH"));
        assertNotNull(runc, "runc is needed for this test: apt-get install runc");
        Process p = new ProcessBuilder(runc.toString(), "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor());
        String first = out.lines().findFirst().orElseThrow();
        assertTrue(first.startsWith("runc version "), first);
        return first.substring("runc version ".length()).strip();
    }

    @Tag("containers")
    @Test
    void everyAlertCarriesTheRuntimeVersionsOfThisNodeAndStillValidates() throws Exception {
        String runc = runcVersion();
        RuntimeVersions versions = new RuntimeVersions();
        Map<String, String> found = versions.refresh();
        assertEquals(runc, found.get("runc"), found.toString());
        assertFalse(found.containsKey("crun") && RuntimeVersions.find("crun", System.getenv("PATH")) == null);

        List<AlertEnvelope> out = new ArrayList<>();
        LoadResult r = new RuleLoader().loadSources(List.of(new RuleLoader.Source("test.yaml", AlertContractTest.RULE)));
        AlertFactory f = new AlertFactory(new AlertDetail.Node("node-1", null, "6.18"), "local", "dry-run", versions::current);
        new Detector(r.engine(), f, 60_000_000_000L, List.of(out::add), () -> 0).onEvent(AlertContractTest.fixture());
        assertEquals(1, out.size());
        JsonNode alert = Json.mapper().readTree(Json.line(out.get(0)));
        assertEquals(runc, alert.at("/detail/node/runtimes/runc").asText(), alert.at("/detail/node").toString());
        assertEquals("6.18", alert.at("/detail/node/kernel").asText(), "the kernel stays apart from the runtimes");
        JsonSchema schema;
        try (InputStream in = AlertEnvelope.class.getResourceAsStream("/schemas/alert.schema.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
        Set<ValidationMessage> errors = schema.validate(alert);
        assertTrue(errors.isEmpty(), "schema violations: " + errors + "\n" + alert.toPrettyString());
    }

    @Test
    void aRuntimeUpgradedUnderTheSensorShowsOnTheNextAlertAndUnknownMeansAbsent() throws Exception {
        Map<String, String>[] now = new Map[] {Map.of()};
        AlertFactory f = new AlertFactory(new AlertDetail.Node("node-1", null, "6.18"), "local", "none", () -> now[0]);
        LoadResult r = new RuleLoader().loadSources(List.of(new RuleLoader.Source("test.yaml", AlertContractTest.RULE)));
        List<AlertEnvelope> out = new ArrayList<>();
        Detector d = new Detector(r.engine(), f, 0, List.of(out::add), () -> 0);
        d.onEvent(AlertContractTest.fixture());
        JsonNode first = Json.mapper().readTree(Json.line(out.get(0)));
        assertTrue(first.at("/detail/node/runtimes").isMissingNode(), "not detected yet: absent, not {}: " + first.at("/detail/node"));
        now[0] = Map.of("runc", "1.1.11");
        assertEquals(Map.of("runc", "1.1.11"), f.node().runtimes());
        now[0] = new HashMap<>(Map.of("runc", "1.1.12"));
        assertEquals(Map.of("runc", "1.1.12"), f.node().runtimes());
    }

    @Tag("containers")
    @Test
    void theSharedDetectionRunsOffTheCallersThreadAndTheDefaultFactoryUsesIt() throws Exception {
        String runc = runcVersion();
        long t0 = System.nanoTime();
        RuntimeVersions shared = RuntimeVersions.shared();
        shared.current(); // never waits for a process
        assertTrue(System.nanoTime() - t0 < 500_000_000L, "shared() must not run the runtimes on the caller's thread");
        assertEquals(runc, shared.awaitFirst(Duration.ofSeconds(20)).get("runc"));
        AlertFactory f = new AlertFactory(NodeIdentity.detect(), "local", "none");
        assertEquals(runc, f.node().runtimes().get("runc"));
    }
}
