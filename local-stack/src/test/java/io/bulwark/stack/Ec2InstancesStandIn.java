package io.bulwark.stack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A hand-written EC2 server on 127.0.0.1: EC2 has no emulator here (no LocalStack or moto on these machines), so
 * this speaks the EC2 Query API as the SDK calls it (form POST, Action=DescribeInstances, XML answers in the
 * 2016-11-15 namespace) for the two lookups the node-queue-reaper makes: by instance id (an unknown id answers
 * InvalidInstanceID.NotFound, HTTP 400, as EC2 does) and by the private-ip-address filter. Each instance has a state
 * and a private DNS name; every request's parameters are recorded.
 */
final class Ec2InstancesStandIn implements AutoCloseable {
    private static final String NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

    record Box(String id, String state, String privateIp, String privateDns) {}

    private final HttpServer server;
    private final Map<String, Box> instances = new LinkedHashMap<>();
    private final List<Map<String, String>> requests = new ArrayList<>();

    Ec2InstancesStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    synchronized void add(String id, String state, String privateIp, String privateDns) {
        instances.put(id, new Box(id, state, privateIp, privateDns));
    }

    synchronized List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange x) throws IOException {
        Map<String, String> p = new TreeMap<>();
        for (String kv : new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                p.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        int status = 200;
        String body;
        synchronized (this) {
            requests.add(p);
            if (!"DescribeInstances".equals(p.get("Action"))) {
                status = 400;
                body = error("InvalidAction", "The action " + p.get("Action") + " is not valid for this web service.");
            } else if (p.containsKey("InstanceId.1")) {
                Box b = instances.get(p.get("InstanceId.1"));
                if (b == null) {
                    status = 400;
                    body = error("InvalidInstanceID.NotFound", "The instance ID '" + p.get("InstanceId.1") + "' does not exist");
                } else {
                    body = describe(List.of(b));
                }
            } else if ("private-ip-address".equals(p.get("Filter.1.Name"))) {
                String ip = p.get("Filter.1.Value.1");
                body = describe(instances.values().stream().filter(b -> ip.equals(b.privateIp())).toList());
            } else {
                body = describe(List.copyOf(instances.values()));
            }
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/xml;charset=UTF-8");
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
        x.close();
    }

    private static String describe(List<Box> boxes) {
        StringBuilder r = new StringBuilder();
        for (Box b : boxes) {
            int code = switch (b.state()) {
                case "pending" -> 0;
                case "running" -> 16;
                case "shutting-down" -> 32;
                case "terminated" -> 48;
                case "stopping" -> 64;
                default -> 80;
            };
            r.append("<item><reservationId>r-").append(b.id().substring(2)).append("</reservationId><ownerId>111122223333</ownerId><instancesSet><item>")
                    .append("<instanceId>").append(b.id()).append("</instanceId>")
                    .append("<instanceState><code>").append(code).append("</code><name>").append(b.state()).append("</name></instanceState>")
                    .append("<privateDnsName>").append(b.privateDns()).append("</privateDnsName>")
                    .append("<privateIpAddress>").append(b.privateIp()).append("</privateIpAddress>")
                    .append("</item></instancesSet></item>");
        }
        return "<DescribeInstancesResponse xmlns=\"" + NS + "\"><requestId>r1</requestId><reservationSet>" + r + "</reservationSet></DescribeInstancesResponse>";
    }

    private static String error(String code, String message) {
        return "<Response><Errors><Error><Code>" + code + "</Code><Message>" + message + "</Message></Error></Errors><RequestID>r0</RequestID></Response>";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
