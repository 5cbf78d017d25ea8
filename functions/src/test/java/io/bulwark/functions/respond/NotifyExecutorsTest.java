package io.bulwark.functions.respond;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.bulwark.functions.respond.act.RespondExecutors;
import io.bulwark.functions.respond.act.notify.Secrets;
import io.bulwark.response.PlaybookRun;
import io.bulwark.response.Responder;
import io.bulwark.response.StepStatus;
import io.bulwark.response.state.InMemoryResponseState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * notify.sns, notify.slack, notify.pagerduty and siem.ocsf. SNS, Slack and PagerDuty have no emulator here:
 * {@link FakeHttp} on 127.0.0.1 answers as they do (SNS Query API XML, Slack's "ok", PagerDuty's 202 JSON) and
 * records what was sent.
 */
@Tag("servers")
class NotifyExecutorsTest {
    static final String WEBHOOK_SECRET = "http://127.0.0.1:%d/services/T000/B000/not-a-real-secret";

    FakeHttp sns;
    FakeHttp slack;
    FakeHttp pagerduty;
    FakeHttp siem;
    SnsClient snsClient;

    @TempDir
    Path dir;

    @BeforeAll
    static void credentials() {
        System.setProperty("aws.accessKeyId", "test-not-a-secret");
        System.setProperty("aws.secretAccessKey", "test-not-a-secret");
    }

    @BeforeEach
    void start() throws Exception {
        sns = new FakeHttp(r -> FakeHttp.Answer.xml("<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult><MessageId>msg-1</MessageId>"
                + "</PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>"));
        slack = new FakeHttp(r -> new FakeHttp.Answer(200, "text/plain", "ok"));
        pagerduty = new FakeHttp(r -> new FakeHttp.Answer(202, "application/json",
                "{\"status\":\"success\",\"message\":\"Event processed\",\"dedup_key\":\"inc-n\"}"));
        siem = new FakeHttp(r -> new FakeHttp.Answer(200, "application/json", "{}"));
        snsClient = SnsClient.builder().region(Region.US_EAST_1).endpointOverride(sns.uri()).build();
    }

    @AfterEach
    void stop() {
        snsClient.close();
        List.of(sns, slack, pagerduty, siem).forEach(FakeHttp::close);
    }

    Responder responder(InMemoryResponseState state) {
        Secrets secrets = Secrets.of(Map.of("SLACK_WEBHOOK", WEBHOOK_SECRET.formatted(slack.uri().getPort()), "PD_KEY", "R0UT1NGKEY-not-a-secret"));
        var ex = new RespondExecutors("respond-test", null, null, Set.of(), null, null, null, snsClient,
                "arn:aws:sns:us-east-1:123456789012:bulwark-incidents", secrets, pagerduty.uri() + "/v2/enqueue", null, null).build();
        String yaml = """
                name: tell
                match: {source: [bulwark.triage]}
                steps:
                  - {id: sns, action: notify.sns}
                  - {id: slack, action: notify.slack, params: {webhook: "env:SLACK_WEBHOOK", mention: "@oncall"}}
                  - {id: pd, action: notify.pagerduty, params: {routing_key: "env:PD_KEY"}}
                  - {id: ocsf-file, action: siem.ocsf, params: {destination: "file:%s"}}
                  - {id: ocsf-hook, action: siem.ocsf, params: {destination: "%s/ingest"}}
                """.formatted(dir.resolve("ocsf.jsonl"), siem.uri());
        return new Responder(Events.playbooks(yaml), ex, state, Clock.systemUTC(), Responder.Options.defaults().withPrincipal("respond-test"));
    }

    @Test
    void everyChannelGetsTheIncidentAndNoSecretReachesTheAuditLog() throws Exception {
        InMemoryResponseState state = new InMemoryResponseState();
        PlaybookRun run = responder(state).handle(Events.incident("e1", "inc-n", "shop", "web-1")).run("tell");
        run.steps().forEach(s -> assertEquals(StepStatus.DONE, s.status(), s.toString()));

        var publish = sns.requests.get(0).form();
        assertEquals("Publish", publish.get("Action"));
        assertEquals("arn:aws:sns:us-east-1:123456789012:bulwark-incidents", publish.get("TopicArn"), "the configured incidents topic");
        assertTrue(publish.get("Subject").startsWith("Bulwark CRITICAL incident inc-n: Core Pattern Overwritten"), publish.get("Subject"));
        assertTrue(publish.get("Subject").length() <= 100);
        assertTrue(publish.get("Message").contains("pod shop/web-1"), publish.get("Message"));

        assertEquals("/services/T000/B000/not-a-real-secret", slack.requests.get(0).path());
        JsonNode slackBody = Json.mapper().readTree(slack.requests.get(0).body());
        assertTrue(slackBody.path("text").asText().startsWith("@oncall *Bulwark CRITICAL incident inc-n"), slackBody.toString());

        assertEquals("/v2/enqueue", pagerduty.requests.get(0).path());
        JsonNode pd = Json.mapper().readTree(pagerduty.requests.get(0).body());
        assertEquals("trigger", pd.path("event_action").asText());
        assertEquals("inc-n", pd.path("dedup_key").asText(), "dedup key = incident id");
        assertEquals("R0UT1NGKEY-not-a-secret", pd.path("routing_key").asText());
        assertEquals("critical", pd.path("payload").path("severity").asText());
        assertEquals("node-a", pd.path("payload").path("source").asText());

        List<String> lines = Files.readAllLines(dir.resolve("ocsf.jsonl"));
        assertEquals(1, lines.size());
        JsonNode f = Json.mapper().readTree(lines.get(0));
        assertEquals(2004, f.path("class_uid").asInt());
        assertEquals(200401, f.path("type_uid").asInt());
        assertEquals(5, f.path("severity_id").asInt());
        assertEquals("inc-n", f.path("finding_info").path("uid").asText());
        assertEquals("T1611", f.path("finding_info").path("attacks").path(0).path("technique").path("uid").asText());
        assertEquals(List.of("alert-1", "alert-2"), List.of(f.path("finding_info").path("related_events").path(0).path("uid").asText(),
                f.path("finding_info").path("related_events").path(1).path("uid").asText()), "the incident's alerts");
        assertEquals(Json.mapper().readTree(siem.requests.get(0).body()).path("class_uid").asInt(), 2004, "the webhook got the same finding");

        String audit = Json.line(state.auditLog());
        assertFalse(audit.contains("not-a-real-secret"), "the webhook URL is a secret");
        assertFalse(audit.contains("R0UT1NGKEY"), "the routing key is a secret");
        assertTrue(audit.contains("env:SLACK_WEBHOOK"), "only the reference is recorded");
    }

    @Test
    void aMissingSecretFailsTheStepAndSaysWhich() {
        InMemoryResponseState state = new InMemoryResponseState();
        var ex = new RespondExecutors("respond-test", null, null, Set.of(), null, null, null, null, null, Secrets.of(Map.of()), null, null, null).build();
        var r = new Responder(Events.playbooks("""
                name: tell
                match: {source: [bulwark.triage]}
                steps:
                  - {id: slack, action: notify.slack, continue_on_error: true, params: {webhook: "env:NOPE"}}
                  - {id: sns, action: notify.sns}
                """), ex, state, Clock.systemUTC(), Responder.Options.defaults());
        PlaybookRun run = r.handle(Events.incident("e1", "inc-m", null, null)).run("tell");
        assertEquals(StepStatus.FAILED, run.step("slack").status());
        assertTrue(run.step("slack").message().contains("env:NOPE") && run.step("slack").message().contains("not set"), run.step("slack").message());
        assertEquals(StepStatus.NOT_CONFIGURED, run.step("sns").status(), "no SNS client: local mode");
        assertTrue(slack.requests.isEmpty());
    }

    /**
     * Secret references resolved at run time: a Secrets Manager ARN (with #KEY into a JSON secret) for Slack and an
     * SSM SecureString for PagerDuty, through the real AWS SDK clients against {@link FakeHttp} answering in the
     * services' JSON 1.1 protocol (neither has an emulator here). The secrets reach the services and never the audit
     * log; a second run within five minutes makes no second call; a missing secret fails its step naming the reference.
     */
    @Test
    void secretsManagerAndSsmReferencesAreResolvedCachedAndNeverRecorded() throws Exception {
        String webhook = WEBHOOK_SECRET.formatted(slack.uri().getPort());
        String arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bulwark/notify-AbCdEf";
        FakeHttp sm = new FakeHttp(r -> {
            JsonNode req = readTree(r.body());
            if (!arn.equals(req.path("SecretId").asText())) {
                return new FakeHttp.Answer(400, "application/x-amz-json-1.1",
                        "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Secrets Manager can't find the specified secret.\"}");
            }
            return new FakeHttp.Answer(200, "application/x-amz-json-1.1", Json.line(Map.of("ARN", arn, "Name", "bulwark/notify",
                    "SecretString", Json.line(Map.of("slack", webhook, "other", "x")), "VersionId", "v1")));
        });
        FakeHttp ssm = new FakeHttp(r -> new FakeHttp.Answer(200, "application/x-amz-json-1.1", Json.line(Map.of("Parameter",
                Map.of("Name", readTree(r.body()).path("Name").asText(), "Type", "SecureString", "Value", "R0UT1NGKEY-from-ssm", "Version", 1)))));
        var smClient = software.amazon.awssdk.services.secretsmanager.SecretsManagerClient.builder().region(Region.US_EAST_1).endpointOverride(sm.uri()).build();
        var ssmClient = software.amazon.awssdk.services.ssm.SsmClient.builder().region(Region.US_EAST_1).endpointOverride(ssm.uri()).build();
        try (sm; ssm; smClient; ssmClient) {
            Secrets secrets = Secrets.withAws(n -> null, () -> smClient, () -> ssmClient, Clock.systemUTC());
            InMemoryResponseState state = new InMemoryResponseState();
            var ex = new RespondExecutors("respond-test", null, null, Set.of(), null, null, null, null, null, secrets,
                    pagerduty.uri() + "/v2/enqueue", null, null).build();
            var r = new Responder(Events.playbooks("""
                    name: tell
                    match: {source: [bulwark.triage]}
                    steps:
                      - {id: slack, action: notify.slack, params: {webhook: "%s#slack"}}
                      - {id: pd, action: notify.pagerduty, params: {routing_key: "ssm:/bulwark/pagerduty-routing-key"}}
                      - {id: gone, action: notify.slack, continue_on_error: true, params: {webhook: "%s"}}
                    """.formatted(arn, arn.replace("notify-AbCdEf", "deleted-XyZ123"))), ex, state, Clock.systemUTC(), Responder.Options.defaults());
            PlaybookRun run = r.handle(Events.incident("e1", "inc-s", "shop", "web-1")).run("tell");
            assertEquals(StepStatus.DONE, run.step("slack").status(), run.step("slack").message());
            assertEquals(StepStatus.DONE, run.step("pd").status(), run.step("pd").message());
            assertEquals("/services/T000/B000/not-a-real-secret", slack.requests.get(0).path(), "the webhook from the JSON secret's field");
            assertEquals("R0UT1NGKEY-from-ssm", Json.mapper().readTree(pagerduty.requests.get(0).body()).path("routing_key").asText());
            assertTrue(readTree(ssm.requests.get(0).body()).path("WithDecryption").asBoolean(), "SecureString needs decryption");
            assertEquals(StepStatus.FAILED, run.step("gone").status());
            assertTrue(run.step("gone").message().contains("deleted-XyZ123") && run.step("gone").message().contains("could not be read"), run.step("gone").message());

            r.handle(Events.incident("e2", "inc-s2", "shop", "web-2"));
            assertEquals(2, slack.requests.size(), "the second incident was posted too");
            assertEquals(1, ssm.requests.size(), "the SSM value is reused within five minutes");
            assertEquals(3, sm.requests.size(), "one GetSecretValue for the secret (then cached), one per run for the missing one (a failure "
                    + "is not cached): " + sm.requests.size());

            String audit = Json.line(state.auditLog());
            assertFalse(audit.contains("not-a-real-secret"), "the webhook URL is a secret");
            assertFalse(audit.contains("R0UT1NGKEY"), "the routing key is a secret");
            assertTrue(audit.contains("ssm:/bulwark/pagerduty-routing-key"), "only the reference is recorded");
        }
    }

    @Test
    void referencesOfUnconfiguredKindsAreRefusedWithWhatToConfigure() {
        Secrets envOnly = Secrets.of(Map.of());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> envOnly.resolve("ssm:/bulwark/x"));
        assertTrue(e.getMessage().contains("secrets-enabled"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> envOnly.resolve("arn:aws:secretsmanager:us-east-1:123456789012:secret:x#k"));
        assertTrue(e.getMessage().contains("not configured"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> envOnly.resolve("arn:aws:secretsmanager:bad"));
        assertTrue(e.getMessage().contains("not a Secrets Manager secret ARN"), e.getMessage());
    }

    private static JsonNode readTree(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
