package io.bulwark.sensor.rules;

import io.bulwark.contract.SensorEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Events per second through a loaded ruleset (Falco's falco_rules.yaml until the escape ruleset
 * lands), one thread. The mix: 1024 synthetic events, about 45% benign opens, 30% benign execs, 10%
 * connects, 5% event types no rule asks for, 10% that match a rule. Run with bench/rules.sh.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class RuleEngineBench {
    private RuleEngine engine;
    private SensorEvent[] events;
    private int next;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Path rules = corpus().resolve(System.getProperty("bulwark.bench.rules", "falco_rules.yaml"));
        LoadResult r = new RuleLoader().load(List.of(rules));
        if (r.hasErrors()) {
            throw new IllegalStateException("rules do not load: " + r.errors());
        }
        engine = r.engine();
        events = mix(1024, new Random(42)).toArray(new SensorEvent[0]);
        int matching = 0;
        for (SensorEvent e : events) {
            matching += engine.evaluate(e).isEmpty() ? 0 : 1;
        }
        System.err.printf("ruleset %s: %d rules, %d of %d events match%n", rules.getFileName(), engine.rules().size(), matching, events.length);
    }

    /** Evaluate and render the output of every match: what the sensor does per event. */
    @Benchmark
    public void evaluate(Blackhole bh) {
        bh.consume(engine.evaluate(events[next++ & 1023]));
    }

    /** Evaluate only (no output rendering). */
    @Benchmark
    public int match() {
        return engine.count(events[next++ & 1023]);
    }

    static List<SensorEvent> mix(int n, Random rnd) {
        String[] files = {"/etc/hosts", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/var/log/nginx/access.log", "/tmp/upload-1",
            "/proc/self/status", "/etc/nginx/nginx.conf", "/app/node_modules/x/index.js", "/etc/ld.so.cache"};
        String[][] procs = {{"nginx", "/usr/sbin/nginx"}, {"node", "/usr/local/bin/node"}, {"python3", "/usr/bin/python3"},
            {"java", "/opt/java/bin/java"}, {"sh", "/bin/sh"}};
        List<SensorEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int kind = i % 20;
            String[] p = procs[rnd.nextInt(procs.length)];
            Ev e;
            if (kind < 9) {
                e = Ev.open(files[rnd.nextInt(files.length)], rnd.nextBoolean() ? "O_RDONLY|O_CLOEXEC" : "O_WRONLY|O_APPEND")
                        .proc(p[0], p[1]).parent("containerd-shim", "/usr/bin/containerd-shim", "containerd-shim");
            } else if (kind < 15) {
                e = Ev.exec(rnd.nextBoolean() ? "sh" : "ls", "/bin/busybox", "-c", "echo " + i).parent(p[0], p[1], p[0])
                        .parent("containerd-shim", "/usr/bin/containerd-shim", "containerd-shim");
            } else if (kind < 17) {
                e = Ev.of("connect").arg("fd", 5).arg("family", "AF_INET").arg("addr", "10.0.0." + (i % 250)).arg("port", 443)
                        .result(0, null).proc(p[0], p[1]);
            } else if (kind == 17) {
                e = Ev.of(rnd.nextBoolean() ? "mount" : "setns").arg("target", "/mnt").result(-1, "EPERM").proc(p[0], p[1]);
            } else {
                e = switch (i % 5) {
                    case 0 -> Ev.open("/sys/fs/cgroup/rdma/release_agent", "O_WRONLY|O_TRUNC").caps(Ev.CAP_SYS_ADMIN);
                    case 1 -> Ev.of("ptrace").arg("request", "PTRACE_ATTACH").arg("pid", 1).proc("gdb", "/usr/bin/gdb");
                    case 2 -> Ev.open("/etc/shadow", "O_RDONLY").proc("python3", "/usr/bin/python3", "steal.py");
                    case 3 -> Ev.of("finit_module").arg("fd", 3).caps(Ev.CAP_SYS_MODULE).result(-38, "ENOSYS");
                    default -> Ev.exec("xmrig", "/tmp/xmrig").upperLayer();
                };
            }
            out.add(e.build());
        }
        Collections.shuffle(out, rnd);
        return out;
    }

    private static Path corpus() {
        String prop = System.getProperty("bulwark.falcoRules");
        if (prop != null) {
            return Path.of(prop);
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path c = d.resolve("shared/compat/falco-rules");
            if (Files.isDirectory(c)) {
                return c;
            }
        }
        throw new IllegalStateException("Falco rule corpus not found: set -Dbulwark.falcoRules=DIR");
    }
}
