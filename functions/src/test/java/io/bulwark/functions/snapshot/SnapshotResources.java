package io.bulwark.functions.snapshot;

import io.bulwark.archive.LocalS3;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The snapshot function's surroundings on 127.0.0.1: a real S3Proxy over a temporary directory
 * (io.bulwark.archive.LocalS3, as the local stack starts it, with a recording proxy in front) and the
 * EC2 Query API stand-in ({@link Ec2QueryStandIn}: EC2 has no emulator here) with instance
 * {@value #INSTANCE} and two volumes. The test reaches their recordings through JDK-typed entries of
 * the system properties, because Quarkus may load this class and the test in different class loaders.
 */
public class SnapshotResources implements QuarkusTestResourceLifecycleManager {
    public static final String INSTANCE = "i-0a1b2c3d4e5f60718";
    public static final String EC2_REQUESTS = "bulwark.test.snapshot.ec2-requests";
    public static final String S3_REQUESTS = "bulwark.test.snapshot.s3-requests";

    private LocalS3 s3;
    private Ec2QueryStandIn ec2;
    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("bulwark-snapshot-test-");
            s3 = new LocalS3(dir.resolve("s3"));
            ec2 = new Ec2QueryStandIn();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start S3Proxy or the EC2 stand-in on 127.0.0.1: " + e.getMessage(), e);
        }
        ec2.addInstance(INSTANCE, new Ec2QueryStandIn.Volume("/dev/xvda", "vol-0aaaaaaaaaaaaaaa1"),
                new Ec2QueryStandIn.Volume("/dev/xvdb", "vol-0bbbbbbbbbbbbbbb2"));
        Ec2QueryStandIn e = ec2;
        LocalS3 s = s3;
        System.getProperties().put(EC2_REQUESTS, (Supplier<List<Map<String, String>>>) e::requests);
        System.getProperties().put(S3_REQUESTS, (Supplier<List<Map<String, String>>>) () -> s.tee.requests().stream().map(r -> {
            Map<String, String> m = new LinkedHashMap<>(r.headers());
            m.put(":method", r.method());
            m.put(":path", r.path());
            return (Map<String, String>) m;
        }).toList());
        // the SDK's default chain; neither server checks signatures
        System.setProperty("aws.accessKeyId", "test-not-a-secret");
        System.setProperty("aws.secretAccessKey", "test-not-a-secret");
        Map<String, String> c = new HashMap<>();
        c.put("bulwark.snapshot.bucket", LocalS3.BUCKET);
        c.put("bulwark.snapshot.region", "us-east-1");
        c.put("bulwark.snapshot.s3-endpoint", "http://127.0.0.1:" + s3.tee.port());
        c.put("bulwark.snapshot.ec2-endpoint", ec2.endpoint());
        c.put("bulwark.snapshot.signing.key-file", dir.resolve("keys/snapshot-ed25519.key").toString());
        c.put("bulwark.snapshot.object-lock-days", "30");
        c.put("bulwark.snapshot.wait-for-node-evidence", "PT1S");
        c.put("bulwark.test.snapshot.bucket-dir", s3.bucketDir().toString());
        return c;
    }

    @Override
    public void stop() {
        System.getProperties().remove(EC2_REQUESTS);
        System.getProperties().remove(S3_REQUESTS);
        try {
            if (ec2 != null) {
                ec2.close();
            }
            if (s3 != null) {
                s3.close();
            }
        } catch (Exception ignored) {
            // stopping
        }
        if (dir != null) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException ignored) {
                // best effort
            }
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, String>> recorded(String key) {
        Object o = System.getProperties().get(key);
        if (o == null) {
            throw new AssertionError(key + " is not set: SnapshotResources did not start");
        }
        return ((Supplier<List<Map<String, String>>>) o).get();
    }
}
