package io.bulwark.sensor.act;

import static io.bulwark.sensor.act.NodeActionsRuncTest.count;
import static io.bulwark.sensor.act.NodeActionsRuncTest.counter;
import static io.bulwark.sensor.act.NodeActionsRuncTest.events;
import static io.bulwark.sensor.act.NodeActionsRuncTest.thaw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.ActionRecord;
import io.bulwark.contract.Json;
import io.bulwark.sensor.testing.RuncContainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command spool on a real runc container: a command dropped into the directory is noticed and
 * run once (result in done/ID.json, one audit record), a replay of it does nothing, a bad file is
 * rejected with a reason naming the file, and the atomic writer never leaves a partial command.
 */
@Tag("containers")
@Timeout(120)
class CommandSpoolRuncTest {
    static void drop(Path dir, String name, String json) throws Exception {
        CommandSpool.writeAtomically(dir.resolve(name), json.getBytes(StandardCharsets.UTF_8));
    }

    static void await(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aCommandRunsOnceAndAReplayDoesNothing(@TempDir Path dir) throws Exception {
        List<ActionRecord> audit = new ArrayList<>();
        NodeActions actions = NodeActionsRuncTest.actions(false, audit);
        try (RuncContainer box = counter().start();
             CommandSpool spool = new CommandSpool(dir, actions, null, 60_000).start()) {
            try {
                String freeze = "{\"id\":\"c-1\",\"incident\":\"inc-9\",\"action\":\"freeze\",\"target\":{\"container\":\"" + box.id()
                        + "\"},\"requested_by\":\"respond:default-containment\",\"issued_at\":\"2026-12-07T03:00:00Z\"}";
                drop(dir, "c-1.json", freeze);
                // the scan interval is a minute: only the WatchService can have noticed it this fast
                await(() -> Files.exists(dir.resolve("done/c-1.json")), "result of c-1");
                assertFalse(Files.exists(dir.resolve("c-1.json")), "the command is removed once its result is on disk");
                assertTrue(events(box).contains("frozen 1"), events(box));
                JsonNode result = Json.mapper().readTree(Files.readString(dir.resolve("done/c-1.json")));
                assertEquals("done", result.at("/record/result").asText());
                assertEquals("c-1", result.at("/record/command_id").asText());
                assertEquals("respond:default-containment", result.at("/record/requested_by").asText());
                assertEquals("inc-9", result.at("/record/incident").asText());
                assertEquals(1, audit.size());
                // thaw it by hand, then replay the freeze: it must not freeze again
                thaw(box);
                long c = count(box);
                drop(dir, "c-1-again.json", freeze);
                await(() -> !Files.exists(dir.resolve("c-1-again.json")), "replay consumed");
                assertEquals(1, audit.size(), "a replayed command is not run: " + audit);
                assertEquals(1, spool.replays());
                Thread.sleep(200);
                assertTrue(count(box) > c, "still running after the replay");
                assertTrue(events(box).contains("frozen 0"));
            } finally {
                thaw(box);
            }
        }
    }

    @Test
    void badCommandsAreRejectedWithTheReason(@TempDir Path dir) throws Exception {
        List<ActionRecord> audit = new ArrayList<>();
        NodeActions actions = NodeActionsRuncTest.actions(false, audit);
        CommandSpool spool = new CommandSpool(dir, actions, null, 60_000);
        drop(dir, "a.json", "{\"id\":\"a\",\"action\":\"reboot\",\"target\":{\"container\":\"x\"}}");
        drop(dir, "b.json", "{\"id\":\"../../etc/x\",\"action\":\"thaw\",\"target\":{\"container\":\"x\"}}");
        drop(dir, "c.json", "{\"id\":\"c\",\n\"action\":\"kill\",\"target\":{\"pid\":1}}");
        drop(dir, "d.json", "{\"id\":\"d\",\n\"action\":");
        drop(dir, "e.json", "{\"id\":\"e\",\"node\":\"ip-10-0-9-9\",\"action\":\"freeze\",\"target\":{\"container\":\"x\"}}");
        assertEquals(5, spool.scan());
        assertEquals(0, audit.size(), "nothing ran");
        assertTrue(Files.readString(dir.resolve("rejected/a.json.error")).contains("'action' must be one of freeze, thaw, kill, stop"));
        assertTrue(Files.readString(dir.resolve("rejected/b.json.error")).contains("'id' must be"));
        assertTrue(Files.readString(dir.resolve("rejected/c.json.error")).contains("needs target.pid and target.start_time"));
        String d = Files.readString(dir.resolve("rejected/d.json.error"));
        assertTrue(d.startsWith(dir.resolve("d.json") + ":2: not JSON"), d);
        assertTrue(Files.readString(dir.resolve("rejected/e.json.error")).contains("a command for node 'ip-10-0-9-9'; this node is 'test-node'"));
        assertEquals(5, spool.rejects());
        try (var s = Files.list(dir)) {
            assertEquals(List.of("done", "rejected"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
