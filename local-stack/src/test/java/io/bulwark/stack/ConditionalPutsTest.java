package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Incident;
import io.bulwark.delivery.ShipCommand;
import io.bulwark.functions.triage.IncidentStore;
import io.bulwark.functions.triage.Normaliser;
import io.bulwark.functions.triage.Signal;
import io.bulwark.functions.triage.Triage;
import io.bulwark.functions.triage.TriageEnricher;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Conditional writes on the local S3 server (S3Proxy 2.6.0 over the filesystem): S3Proxy alone
 * ignores If-None-Match and If-Match on PUT; the stack's S3Proxy (ConditionalPuts in front) answers
 * them as S3 does, atomically, which the incident store's compare-and-swap needs: N threads merging
 * alerts into one incident at once lose none.
 */
@Tag("servers")
class ConditionalPutsTest {
    @TempDir
    Path dir;

    static S3Client client(int port) {
        return new ShipCommand.Clients("us-east-1", true, null, null, URI.create("http://127.0.0.1:" + port)).s3();
    }

    @Test
    void s3Proxy260AloneIgnoresConditionalPuts() throws Exception {
        // why the stack puts ConditionalPuts in front: if this starts failing, S3Proxy honours the headers itself
        int port = StackFixture.freePort();
        try (BlobStoreContext ctx = LocalStack.filesystem(dir)) {
            BlobStore store = ctx.getBlobStore();
            store.createContainerInLocation(null, "raw-bucket");
            S3Proxy raw = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:" + port))
                    .awsAuthentication(AuthenticationType.NONE, null, null).ignoreUnknownHeaders(true).build();
            raw.start();
            while (!"STARTED".equals(raw.getState())) {
                Thread.sleep(10);
            }
            try (S3Client s3 = client(port)) {
                s3.putObject(b -> b.bucket("raw-bucket").key("k").ifNoneMatch("*"), RequestBody.fromString("one"));
                s3.putObject(b -> b.bucket("raw-bucket").key("k").ifNoneMatch("*"), RequestBody.fromString("two"));
                s3.putObject(b -> b.bucket("raw-bucket").key("k").ifMatch("\"0123456789abcdef0123456789abcdef\""), RequestBody.fromString("three"));
                assertEquals("three", s3.getObjectAsBytes(b -> b.bucket("raw-bucket").key("k")).asUtf8String(), "both conditions ignored");
            } finally {
                raw.stop();
            }
        }
    }

    @Test
    void theStacksS3AnswersConditionalPutsAsS3Does() throws Exception {
        int port = StackFixture.freePort();
        try (BlobStoreContext ctx = LocalStack.filesystem(dir)) {
            BlobStore store = ctx.getBlobStore();
            store.createContainerInLocation(null, "bulwark-archive");
            S3Proxy p = LocalStack.startS3(store, port);
            try (S3Client s3 = client(port)) {
                String etag = s3.putObject(b -> b.bucket("bulwark-archive").key("evidence/a").ifNoneMatch("*"), RequestBody.fromString("one")).eTag();
                S3Exception again = assertThrows(S3Exception.class,
                        () -> s3.putObject(b -> b.bucket("bulwark-archive").key("evidence/a").ifNoneMatch("*"), RequestBody.fromString("two")));
                assertEquals(412, again.statusCode());
                S3Exception stale = assertThrows(S3Exception.class, () -> s3.putObject(b -> b.bucket("bulwark-archive").key("evidence/a")
                        .ifMatch("\"0123456789abcdef0123456789abcdef\""), RequestBody.fromString("three")));
                assertEquals(412, stale.statusCode());
                assertEquals("one", s3.getObjectAsBytes(b -> b.bucket("bulwark-archive").key("evidence/a")).asUtf8String(), "never overwritten");
                s3.putObject(b -> b.bucket("bulwark-archive").key("evidence/a").ifMatch(etag), RequestBody.fromString("four"));
                assertEquals("four", s3.getObjectAsBytes(b -> b.bucket("bulwark-archive").key("evidence/a")).asUtf8String(), "the right ETag wins");
                S3Exception none = assertThrows(S3Exception.class, () -> s3.putObject(b -> b.bucket("bulwark-archive").key("evidence/missing")
                        .ifMatch(etag), RequestBody.fromString("x")));
                assertEquals(404, none.statusCode());
                s3.putObject(b -> b.bucket("bulwark-archive").key("plain"), RequestBody.fromString("unconditional PUTs still work"));
            } finally {
                p.stop();
            }
        }
    }

    @Test
    void eightThreadsMergingAlertsIntoOneIncidentLoseNone() throws Exception {
        int port = StackFixture.freePort();
        try (BlobStoreContext ctx = LocalStack.filesystem(dir)) {
            BlobStore store = ctx.getBlobStore();
            store.createContainerInLocation(null, "bulwark-archive");
            S3Proxy p = LocalStack.startS3(store, port);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try (S3Client s3 = client(port)) {
                IncidentStore incidents = new IncidentStore(s3, "bulwark-archive", "state", 200);
                Triage triage = new Triage(incidents, new TriageEnricher(null), io.bulwark.functions.triage.CveTable.load(),
                        new io.bulwark.functions.bus.LocalEventBus(), Duration.ofMinutes(15), null, null, null, Clock.systemUTC());
                String incident = "11111111-2222-8333-8444-555555555555";
                int threads = 8, each = 10;
                List<Future<?>> done = new ArrayList<>();
                Set<String> sent = new TreeSet<>();
                for (int t = 0; t < threads; t++) {
                    List<String> bodies = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        String id = String.format("alert-%02d-%02d", t, i);
                        sent.add(id);
                        bodies.add(TriageStackTest.alert(id, "n1", "c1", Instant.parse("2026-12-07T01:00:00Z").plusSeconds(t * each + i), incident));
                    }
                    done.add(pool.submit(() -> {
                        for (String b : bodies) {
                            Signal s = Normaliser.normalise(b);
                            triage.handle(s);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
                Incident inc = incidents.get(incident).orElseThrow();
                assertEquals(threads * each, inc.count(), "every alert counted once");
                assertEquals(new TreeSet<>(inc.alertIds()), sent, "every alert id filed");
                assertEquals(threads * each, inc.version(), "one stored version per alert");
                assertTrue(inc.firstSeen().equals("2026-12-07T01:00:00Z"), inc.firstSeen());
            } finally {
                pool.shutdownNow();
                p.stop();
            }
        }
    }
}
