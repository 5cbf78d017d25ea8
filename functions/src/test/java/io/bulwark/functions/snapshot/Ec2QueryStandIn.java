package io.bulwark.functions.snapshot;

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
 * A hand-written EC2 server on 127.0.0.1: EC2 has no emulator here (no LocalStack/moto on this machine),
 * so this speaks the EC2 Query API the SDK uses (form POST with Action=…, XML answers in the
 * 2016-11-15 namespace) for the three calls the snapshot function makes: DescribeSnapshots (tag
 * filter), DescribeInstances (block device mappings) and CreateSnapshots (which stores the snapshots
 * with their tags, so a later DescribeSnapshots finds them as EC2 would). Every request's parameters
 * are recorded for the tests' assertions.
 */
public final class Ec2QueryStandIn implements AutoCloseable {
    private static final String NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

    /** A volume attached to a stand-in instance. */
    public record Volume(String device, String volumeId) {}

    private record Snap(String id, String volumeId, Map<String, String> tags) {}

    private final HttpServer server;
    private final Map<String, List<Volume>> instances = new LinkedHashMap<>();
    private final List<Snap> snapshots = new ArrayList<>();
    private final List<Map<String, String>> requests = new ArrayList<>();

    public Ec2QueryStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public synchronized void addInstance(String id, Volume... volumes) {
        instances.put(id, List.of(volumes));
    }

    /** Every request's form parameters, in order. */
    public synchronized List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    public synchronized List<Map<String, String>> requests(String action) {
        return requests.stream().filter(r -> action.equals(r.get("Action"))).toList();
    }

    private void handle(HttpExchange x) throws IOException {
        Map<String, String> p = new TreeMap<>();
        for (String kv : new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                p.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        String body;
        int status = 200;
        synchronized (this) {
            requests.add(p);
            String action = p.getOrDefault("Action", "");
            switch (action) {
                case "DescribeSnapshots" -> body = describeSnapshots(p);
                case "DescribeInstances" -> {
                    String id = p.get("InstanceId.1");
                    if (!instances.containsKey(id)) {
                        status = 400;
                        body = error("InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist");
                    } else {
                        body = describeInstances(id);
                    }
                }
                case "CreateSnapshots" -> body = createSnapshots(p);
                default -> {
                    status = 400;
                    body = error("InvalidAction", "The action " + action + " is not valid for this web service.");
                }
            }
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/xml;charset=UTF-8");
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
        x.close();
    }

    private String describeSnapshots(Map<String, String> p) {
        String tagKey = p.getOrDefault("Filter.1.Name", "").replaceFirst("^tag:", "");
        String value = p.get("Filter.1.Value.1");
        StringBuilder items = new StringBuilder();
        for (Snap s : snapshots) {
            if (value == null || value.equals(s.tags().get(tagKey))) {
                items.append("<item><snapshotId>").append(s.id()).append("</snapshotId><volumeId>").append(s.volumeId())
                        .append("</volumeId><status>pending</status><startTime>2026-12-07T02:00:05.000Z</startTime><ownerId>111122223333</ownerId>")
                        .append(tagSet(s.tags())).append("</item>");
            }
        }
        return "<DescribeSnapshotsResponse xmlns=\"" + NS + "\"><requestId>r1</requestId><snapshotSet>" + items + "</snapshotSet></DescribeSnapshotsResponse>";
    }

    private String describeInstances(String id) {
        StringBuilder bdm = new StringBuilder();
        for (Volume v : instances.get(id)) {
            bdm.append("<item><deviceName>").append(v.device()).append("</deviceName><ebs><volumeId>").append(v.volumeId())
                    .append("</volumeId><status>attached</status><deleteOnTermination>true</deleteOnTermination></ebs></item>");
        }
        return "<DescribeInstancesResponse xmlns=\"" + NS + "\"><requestId>r2</requestId><reservationSet><item><reservationId>r-1</reservationId>"
                + "<instancesSet><item><instanceId>" + id + "</instanceId><blockDeviceMapping>" + bdm + "</blockDeviceMapping></item></instancesSet>"
                + "</item></reservationSet></DescribeInstancesResponse>";
    }

    private String createSnapshots(Map<String, String> p) {
        String id = p.get("InstanceSpecification.InstanceId");
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 1; p.containsKey("TagSpecification.1.Tag." + i + ".Key"); i++) {
            tags.put(p.get("TagSpecification.1.Tag." + i + ".Key"), p.get("TagSpecification.1.Tag." + i + ".Value"));
        }
        StringBuilder items = new StringBuilder();
        for (Volume v : instances.getOrDefault(id, List.of())) {
            Snap s = new Snap("snap-" + String.format("%017x", snapshots.size() + 1), v.volumeId(), tags);
            snapshots.add(s);
            items.append("<item><snapshotId>").append(s.id()).append("</snapshotId><volumeId>").append(v.volumeId())
                    .append("</volumeId><state>pending</state><startTime>2026-12-07T02:00:05.000Z</startTime><volumeSize>20</volumeSize>")
                    .append(tagSet(tags)).append("</item>");
        }
        return "<CreateSnapshotsResponse xmlns=\"" + NS + "\"><requestId>r3</requestId><snapshotSet>" + items + "</snapshotSet></CreateSnapshotsResponse>";
    }

    private static String tagSet(Map<String, String> tags) {
        StringBuilder b = new StringBuilder("<tagSet>");
        tags.forEach((k, v) -> b.append("<item><key>").append(k).append("</key><value>").append(v).append("</value></item>"));
        return b.append("</tagSet>").toString();
    }

    private static String error(String code, String message) {
        return "<Response><Errors><Error><Code>" + code + "</Code><Message>" + message + "</Message></Error></Errors><RequestID>e1</RequestID></Response>";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
