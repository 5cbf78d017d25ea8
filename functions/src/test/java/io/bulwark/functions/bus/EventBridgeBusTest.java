package io.bulwark.functions.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.EscapeSurfaceReport.Band;
import io.bulwark.contract.FindingEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.functions.testing.EventBridgeStandIn;
import io.bulwark.functions.testing.Findings;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;

/**
 * What PutEvents sends, read off the wire by the hand-written EventBridge stand-in (a JDK
 * HttpServer on 127.0.0.1: there is no EventBridge emulator), with the real SDK v2 client.
 */
@Tag("servers")
class EventBridgeBusTest {
    EventBridgeStandIn standIn;
    EventBridgeClient client;

    @BeforeEach
    void start() throws Exception {
        standIn = new EventBridgeStandIn();
        client = EventBridgeClient.builder().endpointOverride(URI.create(standIn.endpoint())).region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "test-secret")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(ClientOverrideConfiguration.builder().retryStrategy(RetryMode.STANDARD)
                        .apiCallTimeout(Duration.ofSeconds(10)).build())
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        standIn.close();
    }

    @Test
    void putEventsCarriesTheEnvelopeFieldsAndTheDetailAsJson() throws Exception {
        FindingEnvelope f = Findings.of(Band.HIGH, 80);
        List<FindingBus.Delivery> d = new EventBridgeBus(client, "bulwark-findings").publish(List.of(f));

        assertEquals(1, d.size());
        assertTrue(d.get(0).sent());
        assertNotNull(d.get(0).eventId());
        assertEquals(1, standIn.requests().size());
        EventBridgeStandIn.Captured req = standIn.requests().get(0);
        assertEquals("AWSEvents.PutEvents", req.target());
        assertTrue(req.contentType().startsWith("application/x-amz-json-1.1"), req.contentType());
        assertTrue(req.authorization().startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), "SigV4-signed");
        assertFalse(req.authorization().contains("test-secret"));
        JsonNode entry = req.body().get("Entries").get(0);
        assertEquals("bulwark-findings", entry.get("EventBusName").asText());
        assertEquals("bulwark.audit", entry.get("Source").asText());
        assertEquals("Escape Surface Finding", entry.get("DetailType").asText());
        assertEquals("[\"node/ip-10-0-1-17\",\"container/8c2e4a6b0d1f\",\"pod/ci/runner-5f7d9c8b6-abcde\"]", entry.get("Resources").toString());
        assertEquals(Instant.parse(f.time()).getEpochSecond(), entry.get("Time").asLong(), "Time is epoch seconds in JSON 1.1");
        JsonNode detail = Json.mapper().readTree(entry.get("Detail").asText());
        assertEquals(Json.mapper().readTree(Json.line(f.detail())), detail, "Detail is the finding, snake_case JSON");
    }

    @Test
    void moreThanTenFindingsGoInBatchesOfTen() {
        List<FindingEnvelope> many = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            many.add(Findings.of(Band.HIGH, 100 - i));
        }
        List<FindingBus.Delivery> d = new EventBridgeBus(client, "default").publish(many);
        assertEquals(12, d.size());
        assertTrue(d.stream().allMatch(FindingBus.Delivery::sent));
        assertEquals(List.of(10, 2), standIn.requests().stream().map(r -> r.body().get("Entries").size()).toList());
    }

    @Test
    void aRejectedEntryIsReportedForThatFindingOnly() {
        standIn.respondWith(req -> {
            ObjectNode r = Json.mapper().createObjectNode();
            r.put("FailedEntryCount", 1);
            r.putArray("Entries").add(Json.mapper().createObjectNode().put("EventId", "11111111-2222-3333-4444-555555555555"))
                    .add(Json.mapper().createObjectNode().put("ErrorCode", "InternalFailure").put("ErrorMessage", "try again"));
            return new EventBridgeStandIn.Reply(200, r.toString());
        });
        List<FindingBus.Delivery> d = new EventBridgeBus(client, "default").publish(List.of(Findings.of(Band.HIGH, 90), Findings.of(Band.HIGH, 85)));
        assertEquals("11111111-2222-3333-4444-555555555555", d.get(0).eventId());
        assertNull(d.get(0).error());
        assertFalse(d.get(1).sent());
        assertEquals("InternalFailure: try again", d.get(1).error());
    }

    @Test
    void aFailedCallFailsEveryFindingOfTheBatchWithoutThrowing() {
        standIn.respondWith(req -> new EventBridgeStandIn.Reply(400,
                "{\"__type\":\"AccessDeniedException\",\"message\":\"not authorized to perform events:PutEvents\"}"));
        List<FindingBus.Delivery> d = new EventBridgeBus(client, "default").publish(List.of(Findings.of(Band.HIGH, 90), Findings.of(Band.HIGH, 85)));
        assertEquals(2, d.size());
        assertTrue(d.stream().noneMatch(FindingBus.Delivery::sent));
        assertTrue(d.get(0).error().contains("not authorized"), d.get(0).error());
    }
}
