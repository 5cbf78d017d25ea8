package io.bulwark.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.bulwark.contract.Json;
import io.bulwark.outbox.OutboxWriter;
import io.bulwark.outbox.Rank;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PutEvents partial failures are retried for just the failed entries. There is no EventBridge
 * emulator: the server here is a JDK HTTP server on 127.0.0.1 speaking EventBridge's JSON 1.1
 * protocol ({@code X-Amz-Target: AWSEvents.PutEvents}) to the real AWS SDK client, failing
 * chosen entries of the first call.
 */
@Tag("servers")
class EventBridgePartialFailureTest {
    @TempDir
    Path dir;

    static String envelope(String id, String priority) {
        return "{\"version\":\"0\",\"id\":\"" + id + "\",\"detail-type\":\"Container Escape Alert\",\"source\":\"bulwark.sensor\","
                + "\"time\":\"2026-12-07T01:00:00Z\",\"resources\":[\"node/n1\"],\"detail\":{\"id\":\"" + id + "\",\"priority\":\""
                + priority + "\",\"rule\":\"R\"}}";
    }

    @Test
    void onlyTheFailedEntriesAreSentAgainAndAnEntryEventBridgeRefusesIsKeptAsADeadLetter() throws Exception {
        List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        Map<String, Integer> accepted = new ConcurrentHashMap<>();
        AtomicInteger call = new AtomicInteger();
        Set<String> throttledOnce = ConcurrentHashMap.newKeySet();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            JsonNode req = Json.mapper().readTree(ex.getRequestBody().readAllBytes());
            String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
            int n = call.incrementAndGet();
            List<String> ids = new ArrayList<>();
            StringBuilder out = new StringBuilder("{\"Entries\":[");
            int failed = 0;
            for (int k = 0; k < req.path("Entries").size(); k++) {
                JsonNode e = req.path("Entries").get(k);
                String id = Json.mapper().readTree(e.path("Detail").asText()).path("id").asText();
                ids.add(id);
                if (k > 0) {
                    out.append(',');
                }
                if (id.equals("a-7")) { // never accepted: the entry itself is wrong
                    out.append("{\"ErrorCode\":\"MalformedDetail\",\"ErrorMessage\":\"Detail is malformed.\"}");
                    failed++;
                } else if ((id.equals("a-1") || id.equals("a-4")) && throttledOnce.add(id)) {
                    out.append("{\"ErrorCode\":\"ThrottlingException\",\"ErrorMessage\":\"Rate exceeded\"}");
                    failed++;
                } else {
                    accepted.merge(id, 1, Integer::sum);
                    out.append("{\"EventId\":\"ev-").append(n).append('-').append(k).append("\"}");
                }
            }
            out.append("],\"FailedEntryCount\":").append(failed).append('}');
            calls.add(ids);
            byte[] b = out.toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
            ex.sendResponseHeaders("AWSEvents.PutEvents".equals(target) ? 200 : 400, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        try (OutboxWriter w = new OutboxWriter(dir, 1 << 20, 1 << 24, 10, null)) {
            for (int i = 0; i < 12; i++) {
                w.append(Rank.CRITICAL, "a-" + i, envelope("a-" + i, "CRITICAL").getBytes(StandardCharsets.UTF_8));
            }
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ShipCommand.Clients clients = new ShipCommand.Clients("us-east-1", true, null,
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), null);
        Shipper shipper = new Shipper(dir, List.of(new EventBridgeTarget(clients.events(), "bulwark")), null,
                new PrintStream(log, true), 10, 10, 50);
        Thread t = new Thread(shipper);
        t.start();
        long deadline = System.currentTimeMillis() + 20_000;
        while (accepted.size() < 11 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(300);
        shipper.close();
        t.join(5000);
        server.stop(0);

        assertEquals(11, accepted.size(), "every entry but the malformed one arrived: " + calls);
        accepted.forEach((id, times) -> assertEquals(1, times, id + " was accepted more than once: " + calls));
        // the batch's two calls go side by side, in either order
        assertEquals(Set.of(List.of("a-0", "a-1", "a-2", "a-3", "a-4", "a-5", "a-6", "a-7", "a-8", "a-9"), List.of("a-10", "a-11")),
                Set.of(calls.get(0), calls.get(1)), "10 entries a call");
        assertEquals(List.of("a-1", "a-4"), calls.get(2), "the retry carries just the throttled entries; the malformed one is not retried");
        assertEquals(3, calls.size(), "nothing else was sent: " + calls);
        assertEquals(1, shipper.deadLetters());
        String dead = Files.readString(dir.resolve("dead-letter.jsonl"));
        assertTrue(dead.contains("\"id\":\"a-7\"") && dead.contains("MalformedDetail"), dead);
        assertEquals(2, shipper.retries("eventbridge"), "a-1 and a-4, once each");
    }
}
