package io.bulwark.sensor.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.sensor.cli.RulesCommand;
import io.bulwark.sensor.event.EventSchema;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code evt.arg.X} names are checked against EventSchema when rules load ({@code bulwark rules check}). */
class ArgNamesCheckTest {
    @TempDir
    Path dir;

    private record Run(int code, String out) {}

    private Run check(String yaml) throws Exception {
        Path p = dir.resolve("typo.yaml");
        Files.writeString(p, yaml);
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new RulesCommand()).execute("check", p.toString());
            return new Run(code, buf.toString(StandardCharsets.UTF_8).replace(p.toString(), "typo.yaml"));
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void aTypoInAnArgNameIsAnErrorAtItsFileLineAndColumnWithTheKnownNames() throws Exception {
        Run r = check("""
                - macro: kernel_write
                  condition: evt.type in (open, openat, openat2) and evt.arg.kernl_file != ""
                - rule: core pattern
                  desc: d
                  condition: >
                    kernel_write
                    and evt.arg.kernel_fs = proc and evt.arg.flag contains O_WRONLY
                  output: x
                  priority: WARNING
                """);
        assertEquals(1, r.code(), r.out());
        // in the macro, where the typo is written (line 2, column 54) and in the rule's folded condition (line 7)
        assertTrue(r.out().contains("error: typo.yaml:2:54 rule 'core pattern': unknown argument 'evt.arg.kernl_file': evt.type open, openat, openat2 carries "),
                r.out());
        assertTrue(r.out().contains("(did you mean evt.arg.kernel_file?); see docs/events.md [LOAD_ERR_COMPILE_CONDITION]"), r.out());
        assertTrue(r.out().contains("error: typo.yaml:7:38 rule 'core pattern': unknown argument 'evt.arg.flag'"), r.out());
        assertTrue(r.out().contains("(did you mean evt.arg.flags?)"), r.out());
        assertTrue(r.out().contains("1 rules: 0 loaded, 0 disabled, 0 unsupported, 1 error"), r.out());
    }

    @Test
    void anArgOfAnotherEventTypeIsAWarningWhereTheTypeIsPinnedAndAcceptedWhereItIsNot() throws Exception {
        // only symlinks carry linkpath: on a mount the test never has a value (Falco's own files do this, so a warning)
        Run pinned = check(RuleTesting.rule("evt.type = mount and evt.arg.linkpath = /x"));
        assertEquals(0, pinned.code(), pinned.out());
        assertTrue(pinned.out().contains("typo.yaml:3:35 rule 'r': unknown argument 'evt.arg.linkpath': evt.type mount carries compat, compat_64bit_code, "
                + "cred_unexplained, flags, fstype, res, res_or_fd, socketcall, source, target; only other event types carry 'linkpath', "
                + "so this test never has a value; see docs/events.md [LOAD_ARG_NOT_CARRIED]"), pinned.out());
        // a typo of a mount argument on a mount is an error
        // evt.arg[name] is checked too; evt.arg[N] is not a name
        Run indexed = check(RuleTesting.rule("evt.type = mount and evt.arg[fstyp] = proc"));
        assertTrue(indexed.out().contains("unknown argument 'evt.arg[fstyp]'") && indexed.out().contains("did you mean evt.arg.fstype?"),
                indexed.out());
        assertEquals(0, check(RuleTesting.rule("evt.type = mount and evt.arg[0] = proc")).code());
        // not restricted to event types: any event's name is accepted, a name no event carries is not
        assertEquals(0, check(RuleTesting.rule("evt.arg.linkpath = /x")).code());
        Run nowhere = check(RuleTesting.rule("evt.arg.kernl_file = x"));
        assertEquals(1, nowhere.code(), nowhere.out());
        assertTrue(nowhere.out().contains("no event the sensor sends carries 'kernl_file' (did you mean evt.arg.kernel_file?)"), nowhere.out());
        // the fallbacks to the result, and the names every event may carry
        assertEquals(0, check(RuleTesting.rule("evt.type = mount and evt.arg.res = 0 and evt.rawarg.res_or_fd = 0 and evt.arg.compat = true")).code());
        // a syscall the sensor does not decode (Falco's names for it) loads as before
        assertEquals(0, check(RuleTesting.rule("evt.type = fchmodat and evt.arg.mode = 0")).code());
        assertEquals(0, check(RuleTesting.rule("evt.type in (open, fchmodat) and evt.arg.whatever = 0")).code());
    }

    /** Every evt.arg name the shipped rule files use is in the table (for the event types they use it on: they load). */
    @Test
    void everyArgNameTheShippedRulesUseIsInTheTable() throws Exception {
        Set<String> used = new TreeSet<>();
        for (String file : List.of("rules/bulwark_escape_rules.yaml")) {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(file)) {
                String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                Matcher m = Pattern.compile("evt\\.(?:raw)?arg\\.(\\w+)").matcher(yaml);
                while (m.find()) {
                    used.add(m.group(1));
                }
                LoadResult r = new RuleLoader().loadSources(List.of(new RuleLoader.Source(file, yaml)));
                assertTrue(r.errors().isEmpty(), () -> r.errors().toString());
            }
        }
        assertTrue(used.size() > 10, "the shipped rules use evt.arg names: " + used);
        Set<String> unknown = new TreeSet<>(used);
        unknown.removeAll(EventSchema.allArgNames());
        assertEquals(Set.of(), unknown, "evt.arg names the shipped rules use that EventSchema lacks");
    }
}
