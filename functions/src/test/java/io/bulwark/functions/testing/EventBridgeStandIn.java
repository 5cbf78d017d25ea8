package io.bulwark.functions.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A hand-written EventBridge stand-in: no EventBridge emulator exists (PLATFORM-NOTES), so this
 * JDK HttpServer on 127.0.0.1 speaks just enough of the JSON 1.1 protocol for PutEvents. It
 * records each request (X-Amz-Target, Content-Type, JSON body) and answers every entry with a
 * fresh EventId, or what {@link #respondWith} says. GET /_captured returns the recorded requests
 * as JSON (tests in another class loader read them that way).
 */
public final class EventBridgeStandIn implements AutoCloseable {

    /** One recorded request. */
    public record Captured(String target, String contentType, String authorization, JsonNode body) {}

    private final HttpServer server;
    private final List<Captured> captured = new CopyOnWriteArrayList<>();
    private volatile Function<JsonNode, Reply> responder = EventBridgeStandIn::allAccepted;

    /** HTTP status and JSON body to send. */
    public record Reply(int status, String body) {}

    public EventBridgeStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Captured> requests() {
        return List.copyOf(captured);
    }

    public void respondWith(Function<JsonNode, Reply> responder) {
        this.responder = responder;
    }

    public static Reply allAccepted(JsonNode request) {
        ObjectNode r = Json.mapper().createObjectNode();
        r.put("FailedEntryCount", 0);
        ArrayNode entries = r.putArray("Entries");
        request.path("Entries").forEach(e -> entries.addObject().put("EventId", UUID.randomUUID().toString()));
        return new Reply(200, r.toString());
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] in = ex.getRequestBody().readAllBytes();
            if ("GET".equals(ex.getRequestMethod()) && ex.getRequestURI().getPath().equals("/_captured")) {
                ArrayNode out = Json.mapper().createArrayNode();
                for (Captured c : captured) {
                    out.add(Json.mapper().valueToTree(Map.of("target", String.valueOf(c.target()),
                            "content_type", String.valueOf(c.contentType()), "body", c.body())));
                }
                send(ex, 200, out.toString());
                return;
            }
            JsonNode body = Json.mapper().readTree(in);
            captured.add(new Captured(ex.getRequestHeaders().getFirst("X-Amz-Target"),
                    ex.getRequestHeaders().getFirst("Content-Type"), ex.getRequestHeaders().getFirst("Authorization"), body));
            Reply reply = responder.apply(body);
            send(ex, reply.status(), reply.body());
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] out = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        ex.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        ex.sendResponseHeaders(status, out.length);
        ex.getResponseBody().write(out);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
