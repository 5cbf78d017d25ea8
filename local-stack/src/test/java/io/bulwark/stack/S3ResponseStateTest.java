package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.delivery.ShipCommand.LocalEndpoints;
import io.bulwark.functions.respond.state.S3ResponseState;
import io.bulwark.response.state.AuditRecord;
import io.bulwark.response.state.PendingApproval;
import io.bulwark.response.state.ResponseState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The respond function's state over the S3 protocol with conditional writes, on the local stack's S3 (S3Proxy with
 * the stack's ConditionalPuts: If-None-Match / If-Match atomic per key, as S3 is): under concurrent invocations
 * one claim wins, the rate limit holds exactly, an approval is decided once, audit records are never overwritten.
 * (S3Mock 4.7.0 was tried first: its conditional check and write are not atomic under concurrent PUTs, and the
 * rate-limit test lost an update there.)
 */
@Tag("servers")
class S3ResponseStateTest {
    static LocalStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = StackFixture.start(java.nio.file.Files.createTempDirectory("bulwark-respond-state-"));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    static S3ResponseState state() {
        return new S3ResponseState(stack.s3Client(), LocalEndpoints.BUCKET, "respond-test/" + UUID.randomUUID());
    }

    static <T> List<T> concurrently(int n, Callable<T> task) throws Exception {
        ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) fs.add(pool.submit(task));
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void oneOfManyConcurrentClaimsWinsAndTheOthersSeeItsStatus() throws Exception {
        S3ResponseState st = state();
        Instant now = Instant.parse("2026-12-07T03:00:00Z");
        List<Optional<String>> results = concurrently(8, () -> st.claim("inc-1/pb/label", now));
        assertEquals(1, results.stream().filter(Optional::isEmpty).count(), results.toString());
        st.complete("inc-1/pb/label", "DONE");
        assertEquals(Optional.of("DONE"), st.claim("inc-1/pb/label", now));
        st.release("inc-1/pb/other");
        assertEquals(Optional.empty(), st.claim("inc-1/pb/other", now), "a given-back key may be claimed again");
    }

    @Test
    void theRateLimitHoldsUnderConcurrentInvocations() throws Exception {
        S3ResponseState st = state();
        Instant now = Instant.parse("2026-12-07T03:00:00Z");
        List<ResponseState.Limit> limits = List.of(new ResponseState.Limit("global", 5, Duration.ofMinutes(10)),
                new ResponseState.Limit("playbook:p", 3, Duration.ofMinutes(10)));
        List<Optional<ResponseState.Limit>> r = concurrently(8, () -> st.tryAcquire(limits, now));
        assertEquals(3, r.stream().filter(Optional::isEmpty).count(), "the playbook's limit of 3 holds");
        // the refused ones gave their global slot back: 2 global slots remain
        ResponseState.Limit g = limits.get(0);
        assertEquals(Optional.empty(), st.tryAcquire(List.of(g), now));
        assertEquals(Optional.empty(), st.tryAcquire(List.of(g), now));
        assertEquals(Optional.of(g), st.tryAcquire(List.of(g), now));
        assertEquals(Optional.empty(), st.tryAcquire(List.of(g), now.plus(Duration.ofMinutes(11))), "the window moves on");
    }

    @Test
    void anApprovalIsDecidedOnceAndAuditRecordsAccumulate() throws Exception {
        S3ResponseState st = state();
        st.putApproval(new PendingApproval("ap-1", "inc-1", "pb", "approve", "{}", "2026-12-07T03:00:00Z", "2026-12-07T03:15:00Z",
                "deny", null, null, null));
        assertEquals(1, st.pendingApprovals().size());
        List<Optional<PendingApproval>> d = concurrently(4, () -> st.decide("ap-1", "approve", "alice", Instant.parse("2026-12-07T03:01:00Z")));
        assertEquals(1, d.stream().filter(Optional::isPresent).count());
        assertTrue(st.pendingApprovals().isEmpty());
        assertEquals("alice", st.approval("ap-1").orElseThrow().decidedBy());

        assertFalse(st.killSwitchEngaged());
        st.setKillSwitch(true, "drill");
        assertTrue(st.killSwitchEngaged());
        concurrently(6, () -> {
            st.audit(new AuditRecord("2026-12-07T03:02:00Z", "inc-1", "e", "pb", "s", "respond", "k8s.cordon", "node/a", Map.of(), false, "DONE", "m", Map.of()));
            return null;
        });
        assertEquals(6, st.auditLog().size(), "records with the same time are all kept");
    }
}
