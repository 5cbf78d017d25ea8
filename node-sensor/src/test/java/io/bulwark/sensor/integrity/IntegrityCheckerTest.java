package io.bulwark.sensor.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Priority;
import io.bulwark.sensor.probe.BpfObject;
import io.bulwark.sensor.probe.Probe;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The integrity checks on this real kernel: clean twice in a row, clean across the sensor's own
 * attach/detach (which flips tracepoint static keys in kernel text), and a real BPF "rootkit"
 * (bpf_send_signal on a syscall tracepoint) found with its evidence, then gone once unloaded.
 */
@Tag("kernel")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IntegrityCheckerTest {
    private static IntegrityChecker checker;

    @BeforeAll
    static void open() throws Exception {
        NodeHooks.byOwner(); // before anything of ours is attached
        checker = IntegrityChecker.open();
    }

    @AfterAll
    static void close() {
        if (checker != null) {
            checker.close();
        }
    }

    /**
     * Other engineers run Bulwark sensors on this machine at the same time: their programs (bw_*,
     * attached to sys_enter/sys_exit) appear and vanish between our checks and are rightly new
     * syscall watchers to us (WARNING). Nothing else may be reported.
     */
    static List<Finding> unexpected(IntegrityReport r) {
        return NodeHooks.withoutPreexisting(r.findings()).stream()
                .filter(f -> !(f.rule().equals(IntegrityRules.BPF_SYSCALL_HOOK) && String.valueOf(f.details().get("prog_name")).startsWith("bw_")))
                .toList();
    }

    static java.util.Set<String> keys(IntegrityReport r) {
        return r.findings().stream().map(Finding::key).collect(java.util.stream.Collectors.toSet());
    }

    /**
     * The checker's BPF object is loaded once and serves every check (a load per check had libbpf
     * parse the kernel's BTF each period, lifting the sensor's RSS by ≈20 MB each time), and its
     * programs are gone once the checker is closed.
     */
    @Test
    void itsProgramsAreLoadedOnceServeEveryCheckAndGoAtClose() throws Exception {
        IntegrityChecker own = IntegrityChecker.open();
        List<Integer> ids;
        try {
            ids = own.readerProgramIds();
            assertEquals(2, ids.size(), "the text and pointer readers: " + ids);
            own.baseline();
            own.check();
            assertEquals(ids, own.readerProgramIds(), "the same programs after two checks: not reloaded");
            for (int id : ids) {
                assertEquals(0, bpftool("prog", "show", "id", Integer.toString(id)), "program " + id + " is loaded while the checker is open");
            }
        } finally {
            own.close();
        }
        for (int id : ids) {
            assertTrue(bpftool("prog", "show", "id", Integer.toString(id)) != 0, "program " + id + " unloaded at close");
        }
    }

    private static int bpftool(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("bpftool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "bpftool answers");
        return p.exitValue();
    }

    @Test
    void baselineAndTwoChecksAreCleanOnThisKernel() {
        IntegrityReport base = checker.baseline();
        assertTrue(base.unavailable().isEmpty(), "every check runs here: " + base.unavailable());
        assertEquals(List.of(), unexpected(base), "no finding on a clean kernel (baseline)");
        // the node's own entry hooks (CI hosts have 35 syscalls hooked by their tracing): one finding per owner, naming it
        List<Finding> hooks = base.findings().stream().filter(f -> f.rule().equals(IntegrityRules.ENTRY_HOOK)).toList();
        assertEquals(hooks.size(), hooks.stream().map(f -> f.details().get("owner")).distinct().count(), "one finding per hook owner: " + hooks);
        for (Finding f : hooks) {
            assertEquals(f.target(), f.details().get("owner"));
            assertEquals(((List<?>) f.details().get("functions")).size(), f.details().get("count"));
            assertTrue(f.summary().contains("BULWARK_INTEGRITY_ALLOW=" + f.target()), f.summary());
        }
        IntegrityReport c1 = checker.check();
        IntegrityReport c2 = checker.check();
        assertEquals(List.of(), unexpected(c1), "no finding on a clean kernel (check 1)");
        assertEquals(List.of(), unexpected(c2), "no finding on a clean kernel (check 2)");
        Map<String, Object> text = c2.checked().get("text");
        assertTrue(((Number) text.get("entries_checked")).intValue() > 400, "syscall handler entries checked: " + text);
        assertTrue(((Number) text.get("functions_whole")).intValue() >= 10, "whole functions checked: " + text);
        assertEquals(true, text.get("ftrace_entry_pattern"), "this kernel has ftrace sites at function entry");
        Map<String, Object> ptr = c2.checked().get("pointers");
        assertTrue(((Number) ptr.get("pointers")).intValue() >= 20, "pointers checked: " + ptr);
        Map<String, Object> bpf = c2.checked().get("bpf");
        assertTrue(((Number) bpf.get("programs")).intValue() >= 2, "the checker's own programs at least: " + bpf);
        Map<String, Object> procs = c2.checked().get("processes");
        assertTrue(((Number) procs.get("kernel_processes")).intValue() > 10, "processes: " + procs);
        System.out.println("integrity check: " + c2.millis() + " ms; " + c2.checked());
    }

    @Test
    void theSensorAttachingAndDetachingChangesNoCheckedKernelText() throws Exception {
        try (IntegrityChecker textOnly = IntegrityChecker.open(EnumSet.of(IntegrityChecker.Check.POINTERS, IntegrityChecker.Check.TEXT))) {
            IntegrityReport base = textOnly.baseline();
            assertEquals(List.of(), NodeHooks.withoutPreexisting(base.findings()));
            try (Probe probe = Probe.start(Probe.Settings.defaults())) {
                assertFalse(probe.attached().isEmpty());
                IntegrityReport during = textOnly.check();
                assertEquals(keys(base), keys(during), "tracepoints enabled by the sensor (static keys) are not a text change");
            }
            IntegrityReport after = textOnly.check();
            assertEquals(keys(base), keys(after), "tracepoints disabled again");
        }
    }

    @Test
    void aBpfProgramKillingFromASyscallTracepointIsReportedThenGoneOnceUnloaded() throws Exception {
        checker.baseline();
        Path obj = Path.of(System.getProperty("bulwark.testBpf", "target/test-bpf"), "rootkit_sigkill.bpf.o");
        assertTrue(Files.isReadable(obj), "test BPF object missing: " + obj + " (mvn generate-test-resources; needs clang)");
        Process victim = new ProcessBuilder("sh", "-c", "while read x; do :; done").start();
        try {
            IntegrityReport r;
            try (BpfObject rootkit = BpfObject.open(obj)) {
                rootkit.setConstU32("only_tgid", victim.pid());
                rootkit.load();
                assertEquals(Map.of(), rootkit.attachAll());
                r = checker.check();
                // The rootkit works: the victim dies as it enters read(2) (its own start-up reads, or this line).
                try {
                    OutputStream in = victim.getOutputStream();
                    in.write("go\n".getBytes(StandardCharsets.US_ASCII));
                    in.flush();
                } catch (java.io.IOException alreadyDead) {
                    // killed before we wrote
                }
                assertTrue(victim.waitFor(10, TimeUnit.SECONDS), "the BPF program should have killed the shell");
                assertEquals(128 + 9, victim.exitValue(), "killed by SIGKILL from bpf_send_signal");
            }
            List<Finding> mine = r.findings().stream().filter(f -> "rk_kill_on_read".equals(f.details().get("prog_name"))).toList();
            assertEquals(1, mine.size(), "one finding for the program: " + r.findings());
            Finding f = mine.get(0);
            assertEquals(IntegrityRules.BPF_SIGNAL, f.rule());
            assertEquals(Priority.ERROR, f.priority());
            assertEquals("tracepoint", f.details().get("prog_type"));
            assertTrue(((List<?>) f.details().get("helpers")).contains("bpf_send_signal"), f.details().toString());
            assertTrue(f.details().get("attached").toString().contains("sys_enter_read"), f.details().toString());
            assertEquals(true, f.details().get("new_since_baseline"));
            assertEquals(0, f.details().get("loaded_by_uid"));
            String self = Long.toString(ProcessHandle.current().pid());
            assertTrue(((List<?>) f.details().get("held_by")).stream().anyMatch(h -> h.toString().startsWith(self + " ")),
                    "the loading process is named: " + f.details().get("held_by"));

            AlertEnvelope a = new IntegrityAlerts(new AlertDetail.Node("node-1", null, "6.18"), "local", "none").alerts(r).stream()
                    .filter(e -> "rk_kill_on_read".equals(e.detail().outputFields().get("integrity.prog_name"))).findFirst().orElseThrow();
            assertEquals("kernel-rootkit-hooks", a.detail().vector());
            assertEquals("ERROR", a.detail().priority());
            assertEquals(List.of("T1014", "T1547.006"), a.detail().mitre());
            assertTrue(a.detail().output().contains("bpf_send_signal"), a.detail().output());
            try (java.io.InputStream in = AlertEnvelope.class.getResourceAsStream("/schemas/alert.schema.json")) {
                com.networknt.schema.JsonSchema schema = com.networknt.schema.JsonSchemaFactory
                        .getInstance(com.networknt.schema.SpecVersion.VersionFlag.V7).getSchema(in);
                var errors = schema.validate(io.bulwark.contract.Json.mapper().readTree(io.bulwark.contract.Json.line(a)));
                assertTrue(errors.isEmpty(), "the integrity alert is a valid alert envelope: " + errors);
            }
            System.out.println("alert: " + io.bulwark.sensor.alert.AlertFactory.line(a));
            System.out.println("alert json: " + io.bulwark.contract.Json.line(a));

            IntegrityReport after = checker.check();
            assertTrue(after.findings().stream().noneMatch(x -> "rk_kill_on_read".equals(x.details().get("prog_name"))),
                    "unloaded: not reported any more: " + after.findings());
        } finally {
            victim.destroyForcibly();
        }
    }

    @Test
    void theMonitorOfBulwarkUpAlertsANewRootkitOnceThoughItIsSeenAtEveryPeriod() throws Exception {
        java.util.concurrent.ConcurrentLinkedQueue<AlertEnvelope> sink = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Path obj = Path.of(System.getProperty("bulwark.testBpf", "target/test-bpf"), "rootkit_sigkill.bpf.o");
        try (IntegrityMonitor m = new IntegrityMonitor(IntegrityChecker.open(),
                new IntegrityAlerts(new AlertDetail.Node("node-1", null, "6.18"), "local", "none"), List.of(sink::add),
                TimeUnit.MILLISECONDS.toNanos(500), System.err)) {
            IntegrityReport base = m.start();
            assertEquals("baseline", base.kind());
            try (BpfObject rootkit = BpfObject.open(obj)) {
                // Loaded, not attached: what is loaded is judged. A pid above pid_max harms nobody (0 would let the
                // verifier prune the bpf_send_signal call as dead code).
                rootkit.setConstU32("only_tgid", Integer.MAX_VALUE - 1);
                rootkit.load();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                int runsAtLoad = m.runs();
                while (System.nanoTime() < deadline && m.runs() < runsAtLoad + 3) {
                    Thread.sleep(100);
                }
                assertTrue(m.runs() >= runsAtLoad + 3, "periodic runs happen: " + m.runs());
            }
            List<AlertEnvelope> mine = sink.stream().filter(a -> "rk_kill_on_read".equals(a.detail().outputFields().get("integrity.prog_name"))).toList();
            assertEquals(1, mine.size(), "alerted once, not at every period: " + sink.stream().map(a -> a.detail().rule()).toList());
            assertEquals(IntegrityRules.BPF_SIGNAL, mine.get(0).detail().rule());
        }
    }

    @Test
    void aNewProgramWatchingSyscallsIsAWarning() throws Exception {
        checker.baseline();
        Path obj = Path.of(System.getProperty("bulwark.testBpf", "target/test-bpf"), "pertp.bpf.o");
        assertTrue(Files.isReadable(obj), "test BPF object missing: " + obj);
        IntegrityReport r;
        try (BpfObject watcher = BpfObject.open(obj)) {
            watcher.load();
            watcher.attachAll();
            r = checker.check();
        }
        List<Finding> setns = r.findings().stream().filter(f -> "enter_setns".equals(f.details().get("prog_name"))).toList();
        assertEquals(1, setns.size(), r.findings().stream().map(Finding::summary).collect(Collectors.joining("\n")));
        assertEquals(IntegrityRules.BPF_SYSCALL_HOOK, setns.get(0).rule());
        assertEquals(Priority.WARNING, setns.get(0).priority());
        Map<String, Object> d = setns.get(0).details();
        assertNotNull(d.get("attached"));
        assertTrue(d.get("attached").toString().contains("sys_enter_setns"), d.toString());
        // the owner named: program id and name, how it is attached, and the process that loaded and holds it (this test)
        assertTrue(d.get("prog_id") instanceof Integer id && id > 0, d.toString());
        assertEquals("perf_event/tracepoint", d.get("attach_type"), d.toString());
        String self = Long.toString(ProcessHandle.current().pid());
        assertTrue(((List<?>) d.get("held_by")).stream().anyMatch(h -> h.toString().startsWith(self + " ")), "the loading process: " + d);
        assertTrue(setns.get(0).summary().contains("'enter_setns' (id " + d.get("prog_id")), setns.get(0).summary());
    }
}
