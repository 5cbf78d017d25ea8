package io.bulwark.sensor.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.Json;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.alert.AlertFactory;
import io.bulwark.sensor.enrich.ProcessStartTimes;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.event.EventDecoder;
import io.bulwark.sensor.detect.Detector;
import io.bulwark.sensor.probe.Probe;
import io.bulwark.sensor.probe.RawEvent;
import io.bulwark.sensor.rules.LoadResult;
import io.bulwark.sensor.rules.RuleLoader;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * detail.process.start_time from a real process, through the real decoder and process table and the alert
 * (a container process seen first after the /proc scan gets it when an alert names it, not on the decoder's
 * path for every new process), and the kill the respond function builds from it: accepted by the sensor's
 * command parser and by the pidfd start-time check ({@link Processes#kill}), which refuses any other start time.
 */
class ProcessStartTimeTest {
    static final long CGROUP = 4243;
    static final String RULE = """
            - rule: Setuid In Container
              desc: test
              condition: evt.type = setuid and container.id != host
              output: setuid by %proc.name (pid=%proc.pid container=%container.id)
              priority: WARNING
              tags: [container]
            """;

    Process victim;

    @BeforeEach
    void start() throws Exception {
        // our own child: the only process this test signals
        victim = new ProcessBuilder("sleep", "120").start();
    }

    @AfterEach
    void stop() throws Exception {
        victim.destroyForcibly();
        victim.waitFor(10, TimeUnit.SECONDS);
    }

    /** Field 22 of /proc/PID/stat, read here independently of the sensor's code. */
    static long statField22(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String afterComm = stat.substring(stat.lastIndexOf(')') + 1).trim(); // field 3 onwards
        return Long.parseLong(afterComm.split("\\s+")[22 - 3]);
    }

    /** CLOCK_BOOTTIME now, within 10 ms, from /proc/uptime. */
    static long bootNsNow() throws Exception {
        String up = Files.readString(Path.of("/proc/uptime")).split(" ")[0];
        return (long) (Double.parseDouble(up) * 1e9) + 20_000_000L;
    }

    static RawEvent event(int op, int pid, int ppid, long ktime, int nr) {
        return new RawEvent(op, RawEvent.F_CONTAINED, nr, pid, ktime, pid, ppid, 0, 0, -1, 7, CGROUP, 7, 8, 9, 10, 11, 12, 13, 0,
                0, 0, 0, new long[] {1000, 0, 0, 0, 0, 0}, new long[2], "sleep", new byte[256], new byte[256], new byte[64]);
    }

    EventDecoder decoder() {
        ContainerInfo box = new ContainerInfo("c0ffee-start", "app", "runc", "busybox", 100, "running", "/b", "/b/rootfs", "/app",
                false, List.of(), List.of(), List.of(), 1000, false, null, null, false, List.of(), List.of(), List.of(), null, Map.of(), null);
        return new EventDecoder(new ProcessTable(), id -> id == CGROUP ? box : null, Probe.bootToWallNs(), Set.of());
    }

    @Test
    void anAlertFromARealProcessCarriesItsStartTimeAndTheKillBuiltFromItIsAccepted() throws Exception {
        int pid = (int) victim.pid();
        long expected = statField22(pid);
        EventDecoder decoder = decoder();
        long now = bootNsNow();
        // the sensor saw the fork (start time not known from the scan), then the process's syscall
        decoder.decode(event(RawEvent.OP_FORK, pid, (int) ProcessHandle.current().pid(), now, 0));
        SensorEvent e = decoder.decode(event(RawEvent.OP_SYSCALL, pid, (int) ProcessHandle.current().pid(), now, 105));
        assertNotNull(e);
        assertNull(e.process().startTime(), "not read on the decoder's path");

        LoadResult r = new RuleLoader().loadSources(List.of(new RuleLoader.Source("test.yaml", RULE)));
        assertTrue(r.errors().isEmpty(), r.errors().toString());
        List<AlertEnvelope> out = new ArrayList<>();
        new Detector(r.engine(), new AlertFactory(new AlertDetail.Node("node-1", null, "6.18"), "local", "none", Map::of),
                60_000_000_000L, List.of(out::add), () -> 0).onEvent(e);
        assertEquals(1, out.size());
        JsonNode alert = Json.mapper().readTree(Json.line(out.get(0)));
        assertEquals(expected, alert.at("/detail/process/start_time").asLong(), alert.at("/detail/process").toString());
        JsonSchema schema;
        try (InputStream in = AlertEnvelope.class.getResourceAsStream("/schemas/alert.schema.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
        Set<ValidationMessage> errors = schema.validate(alert);
        assertTrue(errors.isEmpty(), "schema violations: " + errors);

        // the command the respond function's node.kill sends (NodeCommandExecutor: target from detail.process)
        ObjectNode cmd = Json.mapper().createObjectNode();
        cmd.put("id", "respond-kill-test");
        cmd.put("action", "kill");
        cmd.put("node", "node-1");
        ObjectNode target = cmd.putObject("target");
        target.put("container", alert.at("/detail/container/id").asText());
        target.put("pid", alert.at("/detail/process/pid").asInt());
        target.put("start_time", alert.at("/detail/process/start_time").asLong());
        NodeCommand c = NodeCommand.parse("respond-kill-test.json", Json.line(cmd), "node-1");
        assertEquals(expected, c.target().startTime());

        // another start time is a recycled pid: refused, the process lives
        assertEquals(Processes.KillResult.RECYCLED, Processes.kill(c.target().pid(), c.target().startTime() + 1));
        assertTrue(victim.isAlive());
        assertEquals(Processes.KillResult.KILLED, Processes.kill(c.target().pid(), c.target().startTime()));
        assertTrue(victim.waitFor(10, TimeUnit.SECONDS), "SIGKILL through the pidfd reached the process");
        assertEquals(137, victim.exitValue());
    }

    @Test
    void aPidThatStartedAfterTheEventIsNotNamed() throws Exception {
        int pid = (int) victim.pid();
        long started = statField22(pid) * ProcessTable.NS_PER_TICK;
        EventDecoder decoder = decoder();
        decoder.decode(event(RawEvent.OP_FORK, pid, 1, started - 1_000_000_000L, 0));
        SensorEvent e = decoder.decode(event(RawEvent.OP_SYSCALL, pid, 1, started - 1_000_000_000L, 105));
        assertNull(ProcessStartTimes.atAlert(e).startTime(), "the event is older than the process now holding the pid: a recycled pid");
        SensorEvent now = decoder.decode(event(RawEvent.OP_SYSCALL, pid, 1, bootNsNow(), 105));
        assertEquals(statField22(pid), ProcessStartTimes.atAlert(now).startTime(), "the same pid, an event after its start");
        // and the scan's processes carry it without a read per event
        ProcessTable t = new ProcessTable();
        t.scan();
        assertEquals(statField22(pid), t.get(pid).startTicks());
        assertFalse(t.get(pid).startTicks() < 0);
    }
}
