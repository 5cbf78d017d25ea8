package io.bulwark.functions.respond.act.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** node.kill names the process as the alert does: detail.process.pid and start_time go into the command's target. */
class NodeKillExecutorTest {
    static JsonNode alert(String startTime) throws Exception {
        return Json.mapper().readTree("""
                {"version":"0","id":"a1","detail-type":"Container Escape Alert","source":"bulwark.sensor","time":"2026-12-07T04:30:00Z",
                 "resources":["node/node-1","container/c0ffee"],
                 "detail":{"id":"a1","rule":"Write to core_pattern","priority":"CRITICAL","severity":8.0,
                   "process":{"pid":4242,"tid":4242,"ppid":4200,"comm":"sh","exe":"/bin/sh","start_time":%s},
                   "container":{"id":"c0ffee","name":"app"},"node":{"hostname":"node-1","instance_id":null,"kernel":"6.18"},
                   "k8s":{"namespace":"shop","pod":"web-1"}}}
                """.formatted(startTime));
    }

    static ActionRequest request(JsonNode event) {
        return new ActionRequest("node.kill", Map.of(), "container/c0ffee", event, "inc-1", "default", "kill", "inc-1/kill",
                Instant.parse("2026-12-07T04:30:01Z"));
    }

    @Test
    void theAlertsStartTimeReachesTheKillCommand(@TempDir Path spool) throws Exception {
        ActionResult r = new NodeKillExecutor(new SpoolCommandChannel(spool), "respond").execute(request(alert("987654")));
        assertEquals(ActionResult.Status.DONE, r.status(), r.message());
        List<Path> files;
        try (Stream<Path> s = Files.list(spool)) {
            files = s.filter(p -> p.toString().endsWith(".json")).toList();
        }
        assertEquals(1, files.size(), files.toString());
        JsonNode cmd = Json.mapper().readTree(Files.readString(files.get(0)));
        assertEquals("kill", cmd.path("action").asText());
        assertEquals("node-1", cmd.path("node").asText());
        assertEquals(4242, cmd.at("/target/pid").asInt());
        assertEquals(987654L, cmd.at("/target/start_time").asLong(), cmd.toString());
        assertEquals("c0ffee", cmd.at("/target/container").asText());
    }

    @Test
    void withoutAStartTimeNoKillIsSent(@TempDir Path spool) throws Exception {
        ActionResult r = new NodeKillExecutor(new SpoolCommandChannel(spool), "respond").execute(request(alert("null")));
        assertEquals(ActionResult.Status.SKIPPED, r.status(), r.message());
        assertTrue(r.message().contains("start_time"), r.message());
        try (Stream<Path> s = Files.list(spool)) {
            assertEquals(0, s.count(), "a pid alone could be recycled: nothing is sent");
        }
    }
}
