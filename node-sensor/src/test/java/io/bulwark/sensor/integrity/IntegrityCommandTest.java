package io.bulwark.sensor.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.bulwark.sensor.cli.IntegrityCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code bulwark integrity}: one run on this kernel, text and JSON, exit status. */
@Tag("kernel")
class IntegrityCommandTest {

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new IntegrityCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    /** The node's own entry hooks (NodeHooks) allowed by name, as an operator allows a known agent. */
    static String[] withNodeHooksAllowed(String... args) {
        java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of(args));
        if (!NodeHooks.owners().isEmpty()) {
            a.add("--allow-hook-owner");
            a.add(String.join(",", NodeHooks.owners()));
        }
        return a.toArray(String[]::new);
    }

    @Test
    void aNodesEntryHooksAreReportedOncePerOwnerUnlessAllowed() throws Exception {
        StringWriter out = new StringWriter();
        int rc = run(out, new StringWriter(), "--json", "--checks", "text");
        JsonNode r = Json.mapper().readTree(out.toString());
        java.util.Set<String> owners = new java.util.TreeSet<>();
        for (JsonNode f : r.get("findings")) {
            assertEquals("Kernel Function Hooked At Entry", f.get("rule").asText(), "only the node's entry hooks: " + f);
            assertTrue(owners.add(f.get("target").asText()), "one finding per owner: " + out);
        }
        assertEquals(NodeHooks.owners(), owners);
        assertEquals(owners.isEmpty() ? 0 : 3, rc, "findings make the exit status 3");
        StringWriter allowed = new StringWriter();
        assertEquals(0, run(allowed, new StringWriter(), withNodeHooksAllowed("--json", "--checks", "text")));
        JsonNode a = Json.mapper().readTree(allowed.toString());
        assertEquals(0, a.get("findings").size(), allowed.toString());
        if (!owners.isEmpty()) {
            assertEquals(owners, iterable(a.get("checked").get("text").get("allowed_entry_hooks").fieldNames()), "counted, not reported");
        }
    }

    static java.util.Set<String> iterable(java.util.Iterator<String> it) {
        java.util.Set<String> s = new java.util.TreeSet<>();
        it.forEachRemaining(s::add);
        return s;
    }

    @Test
    void jsonReportOfACleanKernel() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = run(out, err, withNodeHooksAllowed("--json", "--checks", "pointers,text,processes"));
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
        int rc = run(out, err, withNodeHooksAllowed("--checks", "text"));
        assertEquals(0, rc, out + "" + err);
        assertTrue(out.toString().contains("no rootkit hooks found"), out.toString());
        assertTrue(out.toString().startsWith("text       checked {"), out.toString());
        StringWriter err2 = new StringWriter();
        assertEquals(2, run(new StringWriter(), err2, "--checks", "nope"));
        assertTrue(err2.toString().contains("unknown check 'nope'"), err2.toString());
    }
}
