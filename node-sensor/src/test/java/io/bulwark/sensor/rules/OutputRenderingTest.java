package io.bulwark.sensor.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Outputs: %field substitution, <NA> for missing values, output_fields with Falco names. */
class OutputRenderingTest {

    private static RuleMatch render(String output, Ev ev) {
        RuleEngine e = RuleTesting.engine("- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: " + output + "\n  priority: WARNING\n");
        List<RuleMatch> m = e.evaluate(ev.build());
        assertEquals(1, m.size());
        return m.get(0);
    }

    @Test
    void substitutesFieldsWithArgumentsAndKeepsTheRestOfTheText() {
        Ev ev = Ev.exec("sh", "/bin/sh", "-c", "id").parent("bash", "/bin/bash", "bash").parent("sshd", "/usr/sbin/sshd", "sshd")
                .image("ghcr.io/acme/web:1.2").k8s("prod", "web-0").uid(0);
        RuleMatch m = render("Shell (user=%user.name uid=%user.uid parent=%proc.pname gparent=%proc.aname[2] "
                + "image=%container.image.repository:%container.image.tag pod=%k8s.ns.name/%k8s.pod.name cmd=%proc.cmdline). 100%", ev);
        assertEquals("Shell (user=root uid=0 parent=bash gparent=sshd image=ghcr.io/acme/web:1.2 pod=prod/web-0 cmd=sh -c id). 100%",
                m.output());
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("user.name", "root");
        expected.put("user.uid", 0L);
        expected.put("proc.pname", "bash");
        expected.put("proc.aname[2]", "sshd");
        expected.put("container.image.repository", "ghcr.io/acme/web");
        expected.put("container.image.tag", "1.2");
        expected.put("k8s.ns.name", "prod");
        expected.put("k8s.pod.name", "web-0");
        expected.put("proc.cmdline", "sh -c id");
        assertEquals(expected, m.outputFields());
    }

    @Test
    void missingValuesRenderAsNaAndAreNullInOutputFields() {
        RuleMatch m = render("gparent=%proc.aname[2] cwd=%proc.cwd flags=%evt.arg.flags ns=%k8s.ns.name", Ev.exec("sh", "/bin/sh"));
        assertEquals("gparent=<NA> cwd=<NA> flags=<NA> ns=<NA>", m.output());
        assertNull(m.outputFields().get("proc.aname[2]"));
        assertNull(m.outputFields().get("proc.cwd"));
        assertEquals(4, m.outputFields().size());
    }

    @Test
    void repeatedFieldsPrintEachTimeAndAreListedOnceInTheOrderFirstNamed() {
        Ev ev = Ev.exec("sh", "/bin/sh", "-c", "id").uid(1000).result(-1, "EPERM");
        RuleMatch m = render("name=%proc.name uid=%user.uid again=%proc.name res=%evt.res raw=%evt.rawres fail=%evt.failed "
                + "uid=%user.uid gone=%proc.aname[3] %", ev);
        assertEquals("name=sh uid=1000 again=sh res=EPERM raw=-1 fail=true uid=1000 gone=<NA> %", m.output());
        assertEquals(List.of("proc.name", "user.uid", "evt.res", "evt.rawres", "evt.failed", "proc.aname[3]"),
                List.copyOf(m.outputFields().keySet()));
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("proc.name", "sh");
        expected.put("user.uid", 1000L);
        expected.put("evt.res", "EPERM");
        expected.put("evt.rawres", -1L);
        expected.put("evt.failed", true);
        expected.put("proc.aname[3]", null);
        assertEquals(expected, m.outputFields());
        assertEquals(expected.hashCode(), m.outputFields().hashCode());
        assertEquals(expected.toString(), m.outputFields().toString());
        assertTrue(m.outputFields().containsKey("proc.aname[3]"));
        assertFalse(m.outputFields().containsKey("proc.cwd"));
    }

    @Test
    void outputFieldsOfAMatchCannotBeChanged() {
        RuleMatch m = render("user=%user.name", Ev.exec("sh", "/bin/sh").uid(0));
        Map<String, Object> f = m.outputFields();
        assertThrows(UnsupportedOperationException.class, () -> f.put("user.name", "nobody"));
        assertThrows(UnsupportedOperationException.class, () -> f.remove("user.name"));
        assertThrows(UnsupportedOperationException.class, f::clear);
        assertThrows(UnsupportedOperationException.class, () -> f.entrySet().iterator().next().setValue("nobody"));
        assertEquals(Map.of("user.name", "root"), f);
    }

    @Test
    void capabilitiesRenderAsSpaceSeparatedNames() {
        RuleMatch m = render("caps=%thread.cap_effective", Ev.exec("sh", "/bin/sh").caps(Ev.CAP_DAC_OVERRIDE | Ev.CAP_SYS_ADMIN));
        assertEquals("caps=CAP_DAC_OVERRIDE CAP_SYS_ADMIN", m.output());
    }

    @Test
    void resultRendersAsErrnoName() {
        RuleMatch m = render("res=%evt.res raw=%evt.rawres dir=%evt.dir type=%evt.type", Ev.exec("sh", "/bin/sh").result(-1, "EPERM"));
        assertEquals("res=EPERM raw=-1 dir=< type=execve", m.output());
    }
}
