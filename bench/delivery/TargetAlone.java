import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * bench/target-alone.sh's client: the local stack's ElasticMQ (sqs) or bus (bus) alone, no outbox and no
 * shipper: THREADS threads each send 10-entry calls (SendMessageBatch or PutEvents, ≈1.5 KiB an entry, the
 * shipper's attributes) back to back for SECONDS; prints calls/s and entries/s, and the mean call time.
 * Usage: java -cp local-stack.jar TargetAlone.java sqs|bus THREADS SECONDS
 */
public class TargetAlone {
    public static void main(String[] a) throws Exception {
        String what = a[0];
        int threads = Integer.parseInt(a[1]);
        double seconds = Double.parseDouble(a[2]);
        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        SqsClient sqs = SqsClient.builder().httpClientBuilder(ApacheHttpClient.builder()).credentialsProvider(creds).region(Region.US_EAST_1)
                .endpointOverride(URI.create("http://127.0.0.1:9324")).build();
        EventBridgeClient bus = EventBridgeClient.builder().httpClientBuilder(ApacheHttpClient.builder()).credentialsProvider(creds)
                .region(Region.US_EAST_1).endpointOverride(URI.create("http://127.0.0.1:9195")).build();
        String q = "http://127.0.0.1:9324/000000000000/bulwark-alerts";
        String pad = "x".repeat(1200);
        AtomicLong calls = new AtomicLong();
        AtomicLong seq = new AtomicLong();
        Runnable one = () -> {
            List<SendMessageBatchRequestEntry> se = new ArrayList<>();
            List<PutEventsRequestEntry> pe = new ArrayList<>();
            for (int k = 0; k < 10; k++) {
                String id = "alone-" + seq.incrementAndGet();
                String detail = "{\"id\":\"" + id + "\",\"priority\":\"WARNING\",\"rule\":\"Bench\",\"output\":\"" + pad + "\"}";
                String env = "{\"version\":\"0\",\"id\":\"" + id + "\",\"detail-type\":\"Container Escape Alert\",\"source\":\"bulwark.sensor\","
                        + "\"time\":\"2026-12-07T01:00:00Z\",\"resources\":[\"node/bench\"],\"detail\":" + detail + "}";
                if (what.equals("sqs")) {
                    se.add(SendMessageBatchRequestEntry.builder().id("e" + k).messageBody(env).messageAttributes(Map.of(
                            "bulwark_id", str(id), "source", str("bulwark.sensor"), "detail_type", str("Container Escape Alert"), "priority", str("WARNING"))).build());
                } else {
                    pe.add(PutEventsRequestEntry.builder().eventBusName("bulwark").source("bulwark.sensor").detailType("Container Escape Alert")
                            .resources("node/bench").detail(detail).build());
                }
            }
            if (what.equals("sqs")) {
                sqs.sendMessageBatch(b -> b.queueUrl(q).entries(se));
            } else {
                bus.putEvents(b -> b.entries(pe));
            }
            calls.incrementAndGet();
        };
        for (int i = 0; i < 50; i++) {
            one.run(); // warm the client
        }
        calls.set(0);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> ts = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    one.run();
                }
            });
            t.start();
            ts.add(t);
        }
        for (Thread t : ts) {
            t.join();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s alone, %d thread(s), %.1f s: %.0f calls/s, %.0f entries/s, %.1f ms a call%n", what, threads, s,
                calls.get() / s, calls.get() * 10 / s, threads * s * 1000 / calls.get());
    }

    private static MessageAttributeValue str(String v) {
        return MessageAttributeValue.builder().dataType("String").stringValue(v).build();
    }
}
