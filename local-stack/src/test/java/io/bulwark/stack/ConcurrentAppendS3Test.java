package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.archive.ConcurrentAppendTest;
import io.bulwark.archive.Incidents;
import io.bulwark.archive.Ingest;
import io.bulwark.archive.LocalKeySigner;
import io.bulwark.archive.S3Store;
import io.bulwark.archive.Spool;
import java.nio.file.Path;
import java.util.Set;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Concurrent manifest appends through the local stack's S3 (S3Proxy 2.6.0 with ConditionalPuts in
 * front, as `./bulwark up` runs it): eight writers append 5 parts each to one incident at the same
 * time. Each part's number is taken by PutObject If-None-Match: * of manifest.d/NNNN.json; the losers
 * get 412 and retry with the next number, chained to the winner. No part is lost, the chain verifies.
 */
@Tag("servers")
class ConcurrentAppendS3Test {
    @TempDir
    Path dir;

    @Test
    void eightWritersThroughS3LoseNoPartAndTheChainVerifies() throws Exception {
        int port = StackFixture.freePort();
        try (BlobStoreContext ctx = LocalStack.filesystem(dir.resolve("archive"))) {
            ctx.getBlobStore().createContainerInLocation(null, "bulwark-archive");
            S3Proxy p = LocalStack.startS3(ctx.getBlobStore(), port);
            try (S3Client s3 = ConditionalPutsTest.client(port)) {
                S3Store store = new S3Store(s3, "bulwark-archive", S3Store.Lock.NONE);
                LocalKeySigner signer = LocalKeySigner.open(dir.resolve("keys/archive-ed25519.key"));
                Spool spool = Spool.typical(dir.resolve("evidence"), "c0c0c0c0-0000-8000-8000-0000000000s3", "2026-12-07T02:00:00.000Z").write();
                String prefix = Ingest.upload(store, spool.dir, signer, "w", null).prefix();
                Set<String> names = ConcurrentAppendTest.appendConcurrently(store, prefix, signer, 8, 5);
                ConcurrentAppendTest.assertWhole(store, prefix, names, 1 + 8 * 5);
                Incidents.Incident inc = Incidents.load(store, prefix);
                assertEquals(prefix + "manifest.d/0041.json", inc.last().key());
                assertTrue(inc.parts().stream().map(Incidents.Part::json).map(j -> j.path("producer").asText()).distinct().count() >= 9,
                        "every writer's parts are there");
            } finally {
                p.stop();
            }
        }
    }
}
