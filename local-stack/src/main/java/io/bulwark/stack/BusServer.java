package io.bulwark.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import software.amazon.event.ruler.Machine;

/**
 * The local stack's event bus: speaks EventBridge's PutEvents (JSON 1.1 over HTTP, what the AWS SDK
 * sends) on 127.0.0.1, builds each entry's envelope as EventBridge does (a new envelope id, the
 * account and region, the entry's time or now), matches it against the rules with AWS's
 * {@code event-ruler} (the same pattern files Terraform turns into EventBridge rules), and hands
 * it to each matching rule's targets. A target that throws fails that entry (ErrorCode
 * {@code TargetFailure}), so the shipper retries it, as EventBridge's own retry would.
 *
 * <p>Not an EventBridge emulator: one bus, PutEvents only; targets are in-process functions.
 */
public final class BusServer implements AutoCloseable {
    public static final String ACCOUNT = "000000000000";
    public static final String REGION = "us-east-1";

    static {
        // the JDK server's replies otherwise wait for Nagle and the client's delayed ACK: 40 ms a call
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final Machine machine = new Machine();
    private final Map<String, List<Consumer<String>>> targets = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final PrintStream log;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong matched = new AtomicLong();

    public BusServer(int port, PrintStream log) throws IOException {
        this.log = log;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bulwark-bus");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Adds a rule (an EventBridge pattern) and its target. */
    public BusServer rule(String name, String pattern, Consumer<String> target) {
        try {
            synchronized (machine) {
                machine.addRule(name, pattern);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("bad event pattern for rule '" + name + "': " + e.getMessage(), e);
        }
        targets.computeIfAbsent(name, r -> new CopyOnWriteArrayList<>()).add(target);
        return this;
    }

    public List<String> rules() {
        return List.copyOf(targets.keySet());
    }

    public long received() {
        return received.get();
    }

    /** Matches one envelope and runs the targets; returns an error text or null. */
    public String dispatch(String envelopeJson) {
        List<String> rules;
        try {
            synchronized (machine) {
                rules = List.copyOf(machine.rulesForJSONEvent(envelopeJson));
            }
        } catch (Exception e) {
            return "MalformedDetail: " + e.getMessage();
        }
        String error = null;
        for (String rule : rules) {
            matched.incrementAndGet();
            for (Consumer<String> t : targets.getOrDefault(rule, List.of())) {
                try {
                    t.accept(envelopeJson);
                } catch (RuntimeException e) {
                    error = "rule " + rule + ": " + e;
                    log.println("bulwark stack: bus target of rule " + rule + " failed: " + e);
                }
            }
        }
        return error;
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
            if (!"AWSEvents.PutEvents".equals(target)) {
                reply(ex, 400, "{\"__type\":\"UnknownOperationException\",\"message\":\"the local bus speaks PutEvents only, not " + target + "\"}");
                return;
            }
            JsonNode req = Json.mapper().readTree(ex.getRequestBody().readAllBytes());
            ObjectNode resp = Json.mapper().createObjectNode();
            ArrayNode results = resp.putArray("Entries");
            int failed = 0;
            for (JsonNode e : req.path("Entries")) {
                received.incrementAndGet();
                ObjectNode env = Json.mapper().createObjectNode();
                String id = UUID.randomUUID().toString();
                env.put("version", "0");
                env.put("id", id);
                env.put("detail-type", e.path("DetailType").asText());
                env.put("source", e.path("Source").asText());
                env.put("account", ACCOUNT);
                env.put("time", e.hasNonNull("Time") ? Instant.ofEpochMilli((long) (e.path("Time").asDouble() * 1000)).toString() : Instant.now().toString());
                env.put("region", REGION);
                env.set("resources", e.path("Resources").isArray() ? e.path("Resources") : Json.mapper().createArrayNode());
                String error;
                try {
                    env.set("detail", Json.mapper().readTree(e.path("Detail").asText()));
                    error = dispatch(env.toString());
                } catch (IOException bad) {
                    error = "MalformedDetail: " + bad.getMessage();
                }
                ObjectNode r = results.addObject();
                if (error == null) {
                    r.put("EventId", id);
                } else {
                    failed++;
                    r.put("ErrorCode", error.startsWith("MalformedDetail") ? "MalformedDetail" : "TargetFailure");
                    r.put("ErrorMessage", error);
                }
            }
            resp.put("FailedEntryCount", failed);
            reply(ex, 200, resp.toString());
        } catch (IOException | RuntimeException e) {
            reply(ex, 400, "{\"__type\":\"ValidationException\",\"message\":" + Json.mapper().writeValueAsString(String.valueOf(e.getMessage())) + "}");
        }
    }

    private static void reply(HttpExchange ex, int code, String body) throws IOException {
        io.bulwark.outbox.OpsServer.send(ex, code, "application/x-amz-json-1.1", body);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
