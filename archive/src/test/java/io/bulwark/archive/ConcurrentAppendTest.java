package io.bulwark.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers appending to one incident at once (the snapshot function, a later node capture, `archive
 * report` …): each part takes its number by a conditional create, a writer that loses the number
 * retries as the next one chained to the winner, so no part is lost and the chain verifies. Here on
 * the local store (hard link: atomic); local-stack's ConcurrentAppendS3Test does it through S3Proxy.
 */
public class ConcurrentAppendTest {
    @TempDir
    Path tmp;

    /** {@code writers} threads, each appending {@code each} parts with one object each, started together. */
    public static Set<String> appendConcurrently(Store store, String prefix, Signer signer, int writers, int each) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        Set<String> names = new TreeSet<>();
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int w = 0; w < writers; w++) {
                int writer = w;
                for (int i = 0; i < each; i++) {
                    names.add(String.format("w%02d-%02d.txt", writer, i));
                }
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        String name = String.format("w%02d-%02d.txt", writer, i);
                        Incidents.Incident inc = Incidents.load(store, prefix);
                        Incidents.append(store, inc, "writer-" + writer, "test writer " + writer, "added " + name,
                                List.of(new Incidents.NewObject(name, (name + "\n").getBytes(StandardCharsets.UTF_8), "text/plain", null)), signer);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return names;
    }

    /** Every part present once, numbered 1..n, every object listed once, and verify passes. */
    public static void assertWhole(Store store, String prefix, Set<String> names, int parts) throws Exception {
        Incidents.Incident inc = Incidents.load(store, prefix);
        assertEquals(parts, inc.parts().size(), "parts: " + inc.parts().stream().map(Incidents.Part::key).toList());
        for (int i = 0; i < inc.parts().size(); i++) {
            assertEquals(i + 1, inc.parts().get(i).number());
        }
        Set<String> listed = new TreeSet<>();
        inc.artifacts().forEach(a -> listed.add(a.name()));
        assertTrue(listed.containsAll(names), "objects not listed by any part: " + names.stream().filter(n -> !listed.contains(n)).toList());
        assertEquals(List.of(), new Verifier(store, Set.of(), null).verify(prefix).problems());
    }

    @Test
    void eightWritersAppendingAtOnceLoseNoPartAndTheChainVerifies() throws Exception {
        LocalStore store = new LocalStore(tmp.resolve("archive/bulwark-archive"));
        LocalKeySigner signer = LocalKeySigner.open(tmp.resolve("keys/archive-ed25519.key"));
        Spool spool = Spool.typical(tmp.resolve("evidence"), "c0c0c0c0-0000-8000-8000-000000000001", "2026-12-07T02:00:00.000Z").write();
        String prefix = Ingest.upload(store, spool.dir, signer, "w", null).prefix();
        Set<String> names = appendConcurrently(store, prefix, signer, 8, 5);
        assertWhole(store, prefix, names, 1 + 8 * 5);
    }

    @Test
    void aWriterThatLosesItsNumberIsChainedToTheWinner() throws Exception {
        LocalStore store = new LocalStore(tmp.resolve("archive/bulwark-archive"));
        LocalKeySigner signer = LocalKeySigner.open(tmp.resolve("keys/archive-ed25519.key"));
        Spool spool = Spool.typical(tmp.resolve("evidence"), "c0c0c0c0-0000-8000-8000-000000000002", "2026-12-07T02:00:00.000Z").write();
        String prefix = Ingest.upload(store, spool.dir, signer, "w", null).prefix();
        Incidents.Incident stale = Incidents.load(store, prefix);
        // another writer appends after this one read the incident: part 2 is theirs
        Incidents.append(store, stale, "other", "w", "first", List.of(new Incidents.NewObject("a.txt", "a".getBytes(), "text/plain", null)), signer);
        String key = Incidents.append(store, stale, "late", "w", "second", List.of(new Incidents.NewObject("b.txt", "b".getBytes(), "text/plain", null)), signer);
        assertEquals(prefix + "manifest.d/0003.json", key);
        Incidents.Incident now = Incidents.load(store, prefix);
        assertEquals(now.parts().get(1).sha256(), now.last().json().path("previous_sha256").asText(), "chained to the winner's part");
        assertEquals("other", now.parts().get(1).json().path("producer").asText());
        assertEquals(List.of(), new Verifier(store, Set.of(), null).verify(prefix).problems());
    }
}
