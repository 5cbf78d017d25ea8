package io.bulwark.response.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileResponseStateTest {
    private static final Instant T0 = Instant.parse("2026-12-07T03:00:00Z");

    @Test
    void exactlyOneOfManyConcurrentClaimersWins(@TempDir Path dir) throws Exception {
        // two instances on one directory (as two responders in one process would have), 16 threads
        List<FileResponseState> states = List.of(new FileResponseState(dir), new FileResponseState(dir));
        ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Optional<String>>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                FileResponseState s = states.get(i % 2);
                Callable<Optional<String>> c = () -> {
                    go.await();
                    return s.claim("inc-1/default/freeze", T0);
                };
                results.add(pool.submit(c));
            }
            go.countDown();
            int winners = 0;
            for (Future<Optional<String>> f : results) if (f.get().isEmpty()) winners++;
            assertEquals(1, winners);
        } finally {
            pool.shutdownNow();
        }
        FileResponseState s = states.get(0);
        s.complete("inc-1/default/freeze", "DONE");
        assertEquals(Optional.of("DONE"), new FileResponseState(dir).claim("inc-1/default/freeze", T0));
        s.claim("k2", T0);
        s.release("k2");
        assertEquals(Optional.empty(), s.claim("k2", T0), "a released claim can be taken again");
    }

    @Test
    void rateLimitsSlideAndTakeFromAllOrNone(@TempDir Path dir) {
        FileResponseState s = new FileResponseState(dir);
        ResponseState.Limit global = new ResponseState.Limit("global", 3, Duration.ofMinutes(10));
        ResponseState.Limit pb = new ResponseState.Limit("playbook:a", 1, Duration.ofMinutes(10));
        assertEquals(Optional.empty(), s.tryAcquire(List.of(global, pb), T0));
        assertEquals(Optional.of(pb), s.tryAcquire(List.of(global, pb), T0.plusSeconds(1)));
        // the refused attempt took nothing from the global limit: two more fit
        assertEquals(Optional.empty(), s.tryAcquire(List.of(global), T0.plusSeconds(2)));
        assertEquals(Optional.empty(), s.tryAcquire(List.of(global), T0.plusSeconds(3)));
        assertEquals(Optional.of(global), s.tryAcquire(List.of(global), T0.plusSeconds(4)));
        assertEquals(Optional.empty(), s.tryAcquire(List.of(global, pb), T0.plus(Duration.ofMinutes(10)).plusSeconds(1)));
    }

    @Test
    void auditIsAppendOnlyPrivateAndSurvivesATornLine(@TempDir Path dir) throws Exception {
        FileResponseState s = new FileResponseState(dir);
        s.audit(record("one"));
        Path audit = dir.resolve("audit.jsonl");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(audit)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        // a crash mid-write leaves half a line; the next record must still be whole and readable
        Files.writeString(audit, "{\"time\":\"2026-12-07T03:00:01Z\",\"incid", StandardOpenOption.APPEND);
        s.audit(record("two"));
        List<AuditRecord> log = new FileResponseState(dir).auditLog();
        assertEquals(List.of("one", "two"), log.stream().map(AuditRecord::step).toList());
        assertTrue(Files.readString(audit).startsWith("{\"time\":\"2026-12-07T03:00:00Z\",\"incident\":\"inc-1\""), Files.readString(audit));
    }

    @Test
    void approvalsAreDecidedOnceAndTheKillSwitchIsAFile(@TempDir Path dir) {
        FileResponseState s = new FileResponseState(dir);
        s.putApproval(new PendingApproval("a1", "inc-1", "pb", "ask", "{}", T0.toString(), T0.plusSeconds(60).toString(), "deny",
                null, null, null));
        assertEquals(1, s.pendingApprovals().size());
        assertTrue(s.decide("a1", "approve", "alice", T0).isPresent());
        assertFalse(new FileResponseState(dir).decide("a1", "deny", "bob", T0).isPresent(), "decided once");
        assertEquals("alice", s.approval("a1").orElseThrow().decidedBy());
        assertTrue(s.pendingApprovals().isEmpty());

        assertFalse(s.killSwitchEngaged());
        s.setKillSwitch(true, "incident review");
        assertTrue(Files.exists(dir.resolve("kill-switch")));
        assertTrue(new FileResponseState(dir).killSwitchEngaged());
        s.setKillSwitch(false, null);
        assertFalse(s.killSwitchEngaged());
    }

    private static AuditRecord record(String step) {
        return new AuditRecord("2026-12-07T03:00:00Z", "inc-1", "evt-1", "pb", step, "sensor@vm", "node.freeze", "container/c1",
                Map.of("timeout", "2s"), false, "DONE", "frozen", Map.of());
    }
}
