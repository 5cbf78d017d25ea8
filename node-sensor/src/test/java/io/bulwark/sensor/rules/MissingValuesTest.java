package io.bulwark.sensor.rules;

import static io.bulwark.sensor.rules.RuleTesting.matches;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Two kinds of missing value. Absent (Falco has none either): the comparison is false, so "not" makes it
 * true, exactly as in Falco. Unknown (Falco would know it, the sensor does not collect it): neither true
 * nor false, so negating it never turns a rule on.
 */
class MissingValuesTest {
    private final Ev noParent = Ev.exec("sh", "/bin/sh");

    @Test
    void absentFieldMakesComparisonsFalseAndNegationsTrueAsInFalco() {
        assertFalse(matches("proc.pname = bash", noParent));
        assertFalse(matches("proc.pname != bash", noParent), "!= on an absent value is false in Falco too");
        assertTrue(matches("not proc.pname in (bash, zsh)", noParent));
        assertTrue(matches("not proc.pname exists", noParent));
    }

    @Test
    void unknownFieldNeverMakesANegatedConditionTrue() {
        assertFalse(matches("proc.cwd startswith /dev/shm", noParent));
        assertFalse(matches("not proc.cwd startswith /dev/shm", noParent));
        assertFalse(matches("proc.duration <= 5000000000", noParent));
        assertFalse(matches("not proc.duration <= 5000000000", noParent));
        assertFalse(matches("not proc.env exists", noParent));
    }

    @Test
    void unknownIsDecidedByTheRestOfTheConditionWhenItCan() {
        assertTrue(matches("proc.cwd startswith /dev/shm or proc.name = sh", noParent), "true or unknown is true");
        assertFalse(matches("proc.cwd startswith /dev/shm and proc.name = sh", noParent), "true and unknown is unknown");
        assertTrue(matches("not (proc.cwd startswith /x and proc.name = zsh)", noParent),
                "false and unknown is false, so its negation is true");
    }

    @Test
    void socketDupWithoutFamilyIsUnknownNotIpv4() {
        Ev dup = Ev.of("dup2").arg("oldfd", 3).arg("newfd", 0).arg("oldfd_type", "socket").result(0, null);
        assertFalse(matches("fd.type in (ipv4, ipv6)", dup));
        assertFalse(matches("not fd.type in (ipv4, ipv6)", dup));
        Ev inet = Ev.of("dup2").arg("oldfd", 3).arg("newfd", 0).arg("oldfd_type", "ipv4").result(0, null);
        assertTrue(matches("fd.type in (ipv4, ipv6) and evt.rawres in (0, 1, 2)", inet));
    }

    @Test
    void hostProcessesHaveContainerIdHostAndNoContainerFields() {
        Ev host = Ev.exec("sh", "/bin/sh").host();
        assertTrue(matches("container.id = host", host));
        assertFalse(matches("container.id != host", host));
        assertFalse(matches("container.image.repository exists", host));
        assertTrue(matches("container.id = 3f2a9c1b7d4e", Ev.exec("sh", "/bin/sh")));
    }
}
