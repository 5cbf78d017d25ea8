package io.bulwark.sensor.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.bulwark.sensor.cli.IntegrityCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code bulwark integrity}: one run on this kernel, text and JSON, exit status. */
class IntegrityCommandTest {

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new IntegrityCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void jsonReportOfACleanKernel() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = run(out, err, "--json", "--checks", "pointers,text,processes");
        assertEquals(0, rc, "clean kernel, every check ran: " + out + err);
        JsonNode r = Json.mapper().readTree(out.toString());
        assertEquals("baseline", r.get("kind").asText());
        assertEquals(0, r.get("findings").size());
        assertTrue(r.get("checked").has("text") && r.get("checked").has("pointers") && r.get("checked").has("processes"), out.toString());
        assertTrue(!r.get("checked").has("bpf"), "only the checks asked for");
    }

    @Test
    void textReportAndUsageError() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = run(out, err, "--checks", "text");
        assertEquals(0, rc, out + "" + err);
        assertTrue(out.toString().contains("no rootkit hooks found"), out.toString());
        assertTrue(out.toString().startsWith("text       checked {"), out.toString());
        StringWriter err2 = new StringWriter();
        assertEquals(2, run(new StringWriter(), err2, "--checks", "nope"));
        assertTrue(err2.toString().contains("unknown check 'nope'"), err2.toString());
    }
}
