package io.bulwark.sensor.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.bulwark.contract.EscapeSurfaceReport;
import io.bulwark.contract.EscapeSurfaceReport.Band;
import io.bulwark.contract.EscapeSurfaceReport.ContainerRisk;
import io.bulwark.contract.Json;
import io.bulwark.sensor.cli.AuditCommand;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.enrich.StateRoots;
import io.bulwark.sensor.testing.RuncContainer;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The whole report: JSON against audit.schema.json, scope, ordering, summary, the fixture runtimes' scores, {@code audit --json}. */
class AuditReportTest {
    static final String DOCKER = "d0c4e5f6".repeat(8);
    static final String CONTAINERD = "4f1c2b3a".repeat(8);

    static JsonSchema schema() throws Exception {
        try (InputStream in = AuditReportTest.class.getClassLoader().getResourceAsStream("schemas/audit.schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    static Path fixtures() throws URISyntaxException {
        return Path.of(AuditReportTest.class.getResource("/fixtures/node").toURI());
    }

    static void assertValid(EscapeSurfaceReport report) throws Exception {
        JsonNode json = Json.mapper().readTree(Json.line(report));
        Set<ValidationMessage> errors = schema().validate(json);
        assertTrue(errors.isEmpty(), errors + " in " + json.toPrettyString());
    }

    @Tag("containers")
    @Test
    @Timeout(120)
    void reportOfRealContainersMatchesSchemaAndIsSortedByScore() throws Exception {
        try (RuncContainer plain = RuncContainer.builder().start();
             RuncContainer priv = RuncContainer.builder().privileged().start()) {
            EscapeSurfaceReport report = new AuditService().run();
            assertValid(report);
            List<String> ids = report.containers().stream().map(ContainerRisk::id).toList();
            assertTrue(ids.indexOf(priv.id()) < ids.indexOf(plain.id()), ids.toString());
            for (int i = 1; i < report.containers().size(); i++) {
                assertTrue(report.containers().get(i - 1).score() >= report.containers().get(i).score());
            }
            EscapeSurfaceReport.Summary s = report.summary();
            assertEquals(report.containers().size(), s.containers());
            assertEquals(s.containers(), s.high() + s.medium() + s.low());
            JsonNode json = Json.mapper().readTree(Json.line(report));
            assertEquals("node", json.path("scope").asText(), "run() is the complete inventory of the node");
            JsonNode first = json.path("containers").get(ids.indexOf(priv.id()));
            assertEquals("HIGH", first.path("band").asText());
            assertEquals("privileged", first.path("factors").get(0).path("id").asText());
            assertTrue(first.path("factors").get(0).has("remediation"));
        }
    }

    @Test
    void fixtureRuntimesAreScoredAndMatchSchema() throws Exception {
        ContainerResolver resolver = new ContainerResolver(StateRoots.under(fixtures()));
        EscapeSurfaceReport report = new AuditService(resolver, Weights.defaults(), true).run();
        assertValid(report);
        assertEquals(6, report.summary().containers());

        ContainerRisk docker = report.containers().get(0);
        assertEquals(DOCKER, docker.id());
        assertEquals(Band.HIGH, docker.band());
        assertEquals(List.of("privileged", "runtime-socket", "host-pid"),
                docker.factors().stream().map(f -> f.id()).toList().subList(0, 3));

        ContainerRisk api = report.containers().stream().filter(r -> r.id().equals(CONTAINERD)).findFirst().orElseThrow();
        assertEquals("payments", api.k8s().namespace());
        // the service-account token under /var/lib/kubelet/pods is the kubelet's own, the /etc bind is not
        assertTrue(api.factors().stream().noneMatch(f -> f.id().equals("host-path-kubelet")));
        assertEquals("host /etc at /host/etc (ro)",
                api.factors().stream().filter(f -> f.id().equals("host-path-etc")).findFirst().orElseThrow().evidence());
    }

    @Test
    void auditJsonPrintsTheSameNodeScopeReport() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new AuditCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("--json", "--all", "--state-root", fixtures().toString());
        assertEquals(0, code, err.toString());
        JsonNode json = Json.mapper().readTree(out.toString());
        Set<ValidationMessage> errors = schema().validate(json);
        assertTrue(errors.isEmpty(), errors + " in " + json.toPrettyString());
        assertEquals("node", json.path("scope").asText(), "bulwark audit --json is a complete inventory too");
        assertEquals(6, json.path("containers").size());
    }

    @Test
    void stoppedContainersAreLeftOutByDefault() throws Exception {
        ContainerResolver resolver = new ContainerResolver(StateRoots.under(fixtures()));
        assertEquals(0, new AuditService(resolver, Weights.defaults()).run().summary().containers());
    }

    @Test
    void tableFitsEightyColumnsWithoutColourAndExplainListsPoints() throws Exception {
        ContainerResolver resolver = new ContainerResolver(StateRoots.under(fixtures()));
        EscapeSurfaceReport report = new AuditService(resolver, Weights.defaults(), true).run();
        ReportPrinter printer = new ReportPrinter(false, 80, Weights.defaults());
        String table = printer.table(report);
        for (String line : table.split("\n")) {
            assertTrue(line.length() <= 80, "too wide: " + line);
        }
        assertTrue(!table.contains("\u001b["), "no ANSI codes when colour is off");
        assertTrue(table.lines().skip(1).findFirst().orElseThrow().startsWith("HIGH     100  docker     ci-runner"), table);
        String explain = printer.explain(report.containers().get(0));
        assertTrue(explain.contains(" +60  privileged"), explain);
        assertTrue(explain.contains("kubescape C-0057 Privileged container"), explain);
        assertTrue(explain.contains("(score capped at 100)"), explain);
        assertTrue(new ReportPrinter(true, 80, Weights.defaults()).table(report).contains("\u001b[1;31mHIGH"));
    }
}
