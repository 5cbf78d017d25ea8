package io.bulwark.sensor.rules;

import static io.bulwark.sensor.rules.RuleTesting.matches;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Each operator, each with a case that holds and one that does not. */
class ConditionOperatorsTest {
    private final Ev shadow = Ev.open("/etc/shadow", "O_RDONLY|O_CLOEXEC").proc("cat", "/bin/cat", "/etc/shadow");

    @Test
    void equalityAndInequalityCompareText() {
        assertTrue(matches("fd.name = /etc/shadow", shadow));
        assertTrue(matches("fd.name == /etc/shadow", shadow));
        assertFalse(matches("fd.name = /etc/passwd", shadow));
        assertTrue(matches("fd.name != /etc/passwd", shadow));
        assertFalse(matches("fd.name != /etc/shadow", shadow));
        assertTrue(matches("proc.cmdline = \"cat /etc/shadow\"", shadow));
        assertTrue(matches("proc.cmdline='cat /etc/shadow'", shadow));
    }

    @Test
    void orderingComparesNumbersNumerically() {
        Ev e = Ev.open("/x", "O_RDONLY").result(12, null);
        assertTrue(matches("fd.num > 9", e));
        assertTrue(matches("fd.num >= 12", e));
        assertFalse(matches("fd.num < 12", e));
        assertTrue(matches("fd.num <= 12", e));
        assertTrue(matches("evt.rawres < 100", e));
        assertFalse(matches("user.uid > 0", e));
    }

    @Test
    void inMatchesAnyListItemAndExpandsNamedLists() {
        assertTrue(matches("proc.name in (cat, less)", shadow));
        assertFalse(matches("proc.name in (less, more)", shadow));
        String yaml = "- list: readers\n  items: [less, cat]\n" + RuleTesting.rule("proc.name in (readers)");
        assertTrue(!RuleTesting.engine(yaml).evaluate(shadow.build()).isEmpty());
        assertTrue(matches("evt.rawres in (0, 1, 3)", shadow));
        assertFalse(matches("proc.name in ()", shadow));
    }

    @Test
    void intersectsNeedsOneCommonElementWhileInNeedsAll() {
        Ev e = Ev.open("/x", "O_RDONLY").caps(Ev.CAP_SYS_ADMIN | Ev.CAP_DAC_OVERRIDE);
        assertTrue(matches("thread.cap_effective intersects (CAP_SYS_ADMIN, CAP_BPF)", e));
        assertFalse(matches("thread.cap_effective intersects (CAP_BPF, CAP_NET_RAW)", e));
        assertTrue(matches("thread.cap_effective in (CAP_SYS_ADMIN, CAP_DAC_OVERRIDE, CAP_BPF)", e));
        assertFalse(matches("thread.cap_effective in (CAP_SYS_ADMIN)", e));
    }

    @Test
    void containsAndIcontainsSearchText() {
        assertTrue(matches("fd.name contains shad", shadow));
        assertFalse(matches("fd.name contains SHAD", shadow));
        assertTrue(matches("fd.name icontains SHAD", shadow));
        assertTrue(matches("thread.cap_effective icontains sys_module", Ev.open("/x", "O_RDONLY").caps(Ev.CAP_SYS_MODULE)));
        assertFalse(matches("thread.cap_effective contains CAP_SYS_MODULE", Ev.open("/x", "O_RDONLY").caps(Ev.CAP_SYS_ADMIN)));
    }

    @Test
    void startswithAndEndswithAnchorAtTheEnds() {
        assertTrue(matches("fd.name startswith /etc/", shadow));
        assertFalse(matches("fd.name startswith /proc", shadow));
        assertTrue(matches("fd.name endswith shadow", shadow));
        assertFalse(matches("fd.name endswith /etc", shadow));
    }

    @Test
    void globMatchesWildcardsAcrossSlashes() {
        Ev key = Ev.open("/home/alice/.ssh/id_rsa", "O_RDONLY");
        assertTrue(matches("fd.name glob '/home/*/.ssh/*'", key));
        assertTrue(matches("fd.name glob '/home/?lice/.ssh/id_[rd]sa'", key));
        assertFalse(matches("fd.name glob '/root/*'", key));
        assertTrue(matches("fd.name glob '/home/*'", key));
    }

    @Test
    void pmatchMatchesWholePathComponents() {
        assertTrue(matches("fd.name pmatch (/var/run, /etc)", shadow));
        assertFalse(matches("fd.name pmatch (/et, /var)", shadow));
        assertTrue(matches("fd.name pmatch (/etc/shadow)", shadow));
        assertTrue(matches("fd.name pmatch (/e*)", shadow));
    }

    @Test
    void existsIsTrueOnlyWithAValue() {
        assertTrue(matches("fd.name exists", shadow));
        assertFalse(matches("proc.pname exists", shadow));
        assertTrue(matches("proc.pname exists", Ev.exec("sh", "/bin/sh").parent("bash", "/bin/bash", "bash")));
    }

    @Test
    void regexMustMatchTheWholeValue() {
        assertTrue(matches("fd.name regex '/etc/sha[a-z]+'", shadow));
        assertFalse(matches("fd.name regex 'shadow'", shadow));
        assertTrue(matches("fd.name regex '.*shadow'", shadow));
    }

    @Test
    void bytesOperatorsCompareHex() {
        assertTrue(matches("fd.name bcontains 736861", shadow)); // "sha"
        assertTrue(matches("fd.name bstartswith 2f657463", shadow)); // "/etc"
        assertFalse(matches("fd.name bstartswith 736861", shadow));
    }

    @Test
    void booleanLogicWithParenthesesAndPrecedence() {
        assertTrue(matches("proc.name = cat and (fd.name = /x or fd.name = /etc/shadow)", shadow));
        assertFalse(matches("proc.name = cat and not fd.name = /etc/shadow", shadow));
        // and binds tighter than or
        assertTrue(matches("proc.name = nope and fd.name = /x or proc.name = cat", shadow));
        assertTrue(matches("not (proc.name = nope or fd.name = /x)", shadow));
        assertTrue(matches("not not proc.name = cat", shadow));
    }

    @Test
    void fieldArgumentsSelectAncestorsAndArguments() {
        Ev e = Ev.exec("sh", "/bin/sh", "-c", "id").parent("bash", "/bin/bash", "bash -i").parent("sshd", "/usr/sbin/sshd", "sshd: alice")
                .arg("flags", "EXE_WRITABLE");
        assertTrue(matches("proc.aname[1] = bash and proc.aname[2] = sshd and proc.aname[0] = sh", e));
        assertFalse(matches("proc.aname[3] = sshd", e));
        assertTrue(matches("proc.aname = sshd", e));
        assertTrue(matches("proc.aname in (sshd, cron)", e));
        assertTrue(matches("proc.apid[1] = 4000", e));
        assertTrue(matches("evt.arg.flags contains EXE_WRITABLE", e));
        assertTrue(matches("evt.arg[0] = /bin/sh", e));
        assertTrue(matches("evt.arg[flags] = EXE_WRITABLE", e));
        assertTrue(matches("proc.pcmdline = \"bash -i\"", e));
    }

    @Test
    void transformersApplyBeforeComparing() {
        Ev e = Ev.open("/etc/Shadow", "O_RDONLY").arg("value", "L2V0Yy9zaGFkb3c=");
        assertTrue(matches("tolower(fd.name) = /etc/shadow", e));
        assertTrue(matches("toupper(fd.name) = /ETC/SHADOW", e));
        assertTrue(matches("basename(fd.name) = Shadow", e));
        assertTrue(matches("len(fd.name) = 11", e));
        assertTrue(matches("b64(evt.arg.value) = /etc/shadow", e));
        assertTrue(matches("tolower(basename(fd.name)) = shadow", e));
        assertTrue(matches("fd.filename = val(basename(fd.name))", e));
        assertFalse(matches("fd.name = val(fd.directory)", e));
    }

    @Test
    void addressesCompareWithNetworks() {
        Ev c = Ev.of("connect").arg("fd", 3).arg("family", "AF_INET").arg("addr", "10.1.2.3").arg("port", 2375).result(0, null);
        assertTrue(matches("fd.sip = 10.1.2.3 and fd.sport = 2375 and fd.typechar = 4", c));
        assertTrue(matches("fd.snet in (\"10.0.0.0/8\", \"192.168.0.0/16\")", c));
        assertFalse(matches("fd.net = \"127.0.0.0/8\"", c));
        assertTrue(matches("fd.ip != \"0.0.0.0\"", c));
        assertTrue(matches("fd.name = 10.1.2.3:2375", c));
    }
}
