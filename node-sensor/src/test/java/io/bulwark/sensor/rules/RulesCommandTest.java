package io.bulwark.sensor.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.bulwark.sensor.cli.RulesCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code bulwark rules check}: text, JSON and exit codes. */
class RulesCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out) {}

    private Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new RulesCommand()).execute(args);
            return new Run(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }

    private Path file(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void checkListsEveryProblemWithPositionsAndExitsOneOnErrors() throws Exception {
        Path bad = file("bad.yaml", RuleTesting.rule("evt.type = execve and not nope") + RuleTesting.rule("proc.name = sh").replace("rule: r", "rule: ok")
                + RuleTesting.rule("evt.type = execve and fd.bogus = 1").replace("rule: r", "rule: unsupported"));
        Run r = run("check", bad.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("error: " + bad + ":3:40 rule 'r': undefined macro 'nope' [LOAD_ERR_COMPILE_CONDITION]"), r.out());
        assertTrue(r.out().contains("unsupported: " + bad + ":11 rule 'unsupported': uses unsupported field 'fd.bogus'"), r.out());
        assertTrue(r.out().contains(bad + ": 3 rules: 1 loaded, 0 disabled, 1 unsupported, 1 error; 1 errors, 2 warnings"), r.out());
    }

    @Test
    void checkPassesOnACleanFileAndStrictFailsOnUnsupported() throws Exception {
        Path good = file("good.yaml", RuleTesting.rule("evt.type = execve and proc.name = sh"));
        assertEquals(0, run("check", good.toString()).code());
        Path unsup = file("unsup.yaml", RuleTesting.rule("evt.type = execve and fd.bogus = 1"));
        assertEquals(0, run("check", unsup.toString()).code());
        assertEquals(1, run("check", "--strict", unsup.toString()).code());
    }

    @Test
    void jsonReportsRulesErrorsWarningsAndSummary() throws Exception {
        Path bad = file("bad.yaml", RuleTesting.rule("evt.type = execve and (") + RuleTesting.rule("evt.type = execve").replace("rule: r", "rule: ok"));
        Run r = run("check", "--json", bad.toString());
        assertEquals(1, r.code());
        JsonNode j = Json.mapper().readTree(r.out());
        assertEquals("r", j.get("rules").get(0).get("name").asText());
        assertEquals("error", j.get("rules").get(0).get("status").asText());
        assertEquals(1, j.get("rules").get(0).get("line").asInt());
        assertTrue(j.get("rules").get(0).get("reason").asText().contains("unexpected end of condition"));
        assertEquals("loaded", j.get("rules").get(1).get("status").asText());
        assertTrue(j.get("rules").get(1).get("reason").isNull());
        assertEquals(3, j.get("errors").get(0).get("line").asInt());
        assertEquals("LOAD_ERR_COMPILE_CONDITION", j.get("errors").get(0).get("code").asText());
        assertEquals(1, j.get("summary").get("loaded").asInt());
        assertEquals(1, j.get("summary").get("error").asInt());
        assertTrue(j.get("warnings").isArray());
    }

    @Test
    void unreadableFileIsAnError() {
        Run r = run("check", dir.resolve("missing.yaml").toString());
        assertEquals(1, r.code());
        assertTrue(r.out().contains("LOAD_ERR_FILE_READ"), r.out());
    }
}
