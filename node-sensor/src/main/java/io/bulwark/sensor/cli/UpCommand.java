package io.bulwark.sensor.cli;

import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Priority;
import io.bulwark.sensor.EventSink;
import io.bulwark.sensor.Sensor;
import io.bulwark.sensor.alert.AlertFactory;
import io.bulwark.sensor.alert.LossMonitor;
import io.bulwark.sensor.alert.NodeIdentity;
import io.bulwark.sensor.audit.AuditService;
import io.bulwark.sensor.audit.Weights;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.integrity.IntegrityAlerts;
import io.bulwark.sensor.integrity.IntegrityChecker;
import io.bulwark.sensor.integrity.IntegrityMonitor;
import io.bulwark.sensor.local.AuditReporter;
import io.bulwark.sensor.detect.Detector;
import io.bulwark.sensor.local.JsonLinesFile;
import io.bulwark.sensor.outbox.AlertOutbox;
import io.bulwark.outbox.OpsServer;
import io.bulwark.sensor.probe.EnvironmentException;
import io.bulwark.sensor.probe.Probe;
import io.bulwark.sensor.rules.RuleEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = {
            "Run the sensor on this node: watch the kernel, evaluate the escape ruleset, report alerts.",
            "",
            // one element per paragraph: picocli wraps it to the terminal's width
            "Prints a line containing 'ready' once every BPF program is attached, then one line per "
                    + "alert. With --alerts, each alert's EventBridge envelope (docs/alerts.md) is appended as "
                    + "one JSON line, and so is each 'Escape Surface Report' (the audit of every container, "
                    + "periodically and whenever a container starts; docs/audit.md). SIGTERM or Ctrl-C stops "
                    + "it cleanly (within 5 s) and prints the counters.",
            "",
            "Examples:",
            "  bulwark up",
            "  bulwark up --rules my_rules.yaml --alerts /var/log/bulwark/alerts.jsonl",
            "  bulwark up --dry-run --min-priority WARNING",
            "  bulwark up --outbox var/outbox --evidence var/evidence --commands var/commands"
        })
public class UpCommand implements Callable<Integer> {
    @Mixin
    RuleFileOptions ruleFiles = new RuleFileOptions();

    @Option(names = "--alerts", paramLabel = "FILE", description = "Append every alert envelope as one JSON line to FILE (created 0600, never truncated).")
    Path alerts;

    @Option(names = "--outbox", paramLabel = "DIR",
            description = "The node's durable outbox: every alert and audit report is appended here before the sensor moves on, and the shipper (bulwark ship, or the local stack that ./bulwark up starts) delivers it to SQS and EventBridge, through outages and restarts (docs/delivery.md). Created 0700. Default: no outbox (console and --alerts only).")
    Path outbox;

    @Option(names = "--outbox-mib", paramLabel = "N", defaultValue = "256",
            description = "Most disk the outbox may hold, in MiB (default ${DEFAULT-VALUE}). Past 85% of it INFO and DEBUG alerts are refused, past 90% NOTICE, 95% WARNING, 100% ERROR; CRITICAL and above are always kept. Every refusal is logged, counted and raised as a CRITICAL 'Sensor Outbox Full' alert.")
    int outboxMib;

    @Option(names = "--pin-dir", paramLabel = "DIR", defaultValue = "/sys/fs/bpf/bulwark",
            description = "Pin the ring buffer and the programs' links in bpffs under DIR (default ${DEFAULT-VALUE}; 'none' = no pins). If the sensor dies (kill -9, a crash), its programs keep recording into the pinned ring, and the next 'up' adopts it and decodes what accumulated, so a restart leaves no blind window (docs/delivery.md). A clean stop removes the pins unless --keep-pins.")
    String pinDir;

    @Option(names = "--keep-pins", description = "At a clean stop, leave the programs attached and the ring pinned for the next sensor (an upgrade without a blind window).")
    boolean keepPins;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "9464",
            description = "Serve /metrics (Prometheus text), /health/live and /health/ready on 127.0.0.1:PORT (default ${DEFAULT-VALUE}; 0 = off).")
    int metricsPort;

    @Option(names = "--dry-run", description = "Guarantee that nothing acts on anything: alerts are reported, and every response step the sensor would take is recorded as such (sensor.action dry-run:freeze, an audit record with result dry-run), not done.")
    boolean dryRun;

    @Option(names = "--no-respond",
            description = "Report only: no node-local response step runs (no evidence snapshot, no freeze); alerts are still filed under incidents (sensor.incident). Without it, an alert that matches a playbook with node steps (the default playbook: CRITICAL or a confirmed escape vector in a container) gets an evidence snapshot and its container frozen before the alert leaves the node; with --dry-run the freeze is recorded, not done (docs/response.md).")
    boolean noRespond;

    @Option(names = "--evidence", paramLabel = "DIR",
            description = "Node evidence spool: DIR/<incident>/ gets the evidence of each incident the fast path captures (docs/evidence.md). Created 0700. Default: no evidence capture.")
    Path evidenceDir;

    @Option(names = "--commands", paramLabel = "DIR",
            description = "The node command channel's spool: the sensor runs each DIR/*.json command (freeze, thaw, kill, stop) once, writes its result to DIR/done/<id>.json, and appends every action's audit record to DIR/actions.jsonl (which 'bulwark release' reads). Created 0700. Default: no command channel (actions are still audited to --alerts and the outbox).")
    Path commandsDir;

    @Option(names = "--playbooks", paramLabel = "DIR",
            description = "Load the playbooks (*.yaml) in DIR instead of the default playbook; their node.* steps run on the node (docs/playbooks.md).")
    Path playbooksDir;

    @Option(names = "--protected-namespace", paramLabel = "NS", split = ",", defaultValue = "kube-system,bulwark",
            description = "Kubernetes namespaces whose containers no node action ever touches (default ${DEFAULT-VALUE}).")
    List<String> protectedNamespaces;

    @Option(names = "--min-priority", paramLabel = "PRIORITY", defaultValue = "INFO",
            description = "Print and keep only alerts at or above this priority (default ${DEFAULT-VALUE}).")
    String minPriority;

    @Option(names = "--coalesce-seconds", paramLabel = "N", defaultValue = "60",
            description = "Identical alerts (rule, container, process) within N seconds become one with a count (default ${DEFAULT-VALUE}).")
    int coalesceSeconds;

    @Option(names = "--rate-limit", paramLabel = "N", defaultValue = "0",
            description = "At most N events a second from any one cgroup (container), enforced in the kernel, so one flooding container cannot blind the sensor to the others; what is dropped is counted as rate_limited (0 = no limit, the default).")
    int rateLimit;

    @Option(names = "--ring-mib", paramLabel = "N", defaultValue = "4",
            description = "Size of the kernel-to-sensor ring buffer in MiB, a power of two (default ${DEFAULT-VALUE}). It is the only buffer: a bigger ring rides out longer stalls of the sensor under a flood; it counts twice in the sensor's RSS (mapped twice).")
    int ringMib;

    @Option(names = "--no-warm-up",
            description = "Skip the JIT warm-up. By default, before attaching, 300,000 synthetic kernel records run through the decoder and the rules (into a detector with no outputs), so that a flood right after start meets compiled code instead of dropping events (2-3 s on two cores).")
    boolean noWarmUp;

    @Option(names = "--seconds", paramLabel = "N", description = "Stop after N seconds (default: until SIGTERM).")
    Integer seconds;

    @Option(names = "--stats-seconds", paramLabel = "N", defaultValue = "0",
            description = "Print the sensor's throughput and loss counters to standard error every N seconds (0 = only at exit).")
    int statsSeconds;

    @Option(names = "--integrity-seconds", paramLabel = "N", defaultValue = "60",
            description = "Check the kernel for rootkit hooks (pointer tables, kernel text, BPF programs, hidden processes; docs/integrity.md) at start and every N seconds (0 = never; default ${DEFAULT-VALUE}).")
    int integritySeconds;

    @Option(names = "--allow-hook-owner", paramLabel = "OWNER", split = ",",
            description = "Kernel entry hooks of this owner belong to a known agent on this node: counted, not alerted (the owner as an integrity alert names it: bpf:NAME#ID, or bpf:NAME for every load of that program, bpf-trampoline:KEY, ftrace:OPS, module:NAME; a trailing * matches a prefix). Also BULWARK_INTEGRITY_ALLOW. Unknown owners stay CRITICAL.")
    List<String> allowHookOwners;

    @Option(names = "--audit-minutes", paramLabel = "N", defaultValue = "10",
            description = "Run the escape-surface audit of every container every N minutes (0 = only at container start; default ${DEFAULT-VALUE}).")
    int auditMinutes;

    /**
     * Opened first, before the sensor's programs are loaded and the JIT warm-up runs: loading its BPF
     * object makes libbpf parse the kernel's BTF (≈20 MB of native memory for a moment), and that
     * moment must not add to the warm-up's compiler memory (the start-up peak of RSS,
     * docs/benchmarks.md). Null when off or impossible.
     */
    private IntegrityChecker openIntegrity() {
        if (integritySeconds <= 0) {
            return null;
        }
        try {
            IntegrityChecker c = IntegrityChecker.open();
            if (allowHookOwners != null) {
                c.allowHookOwners(allowHookOwners);
            }
            return c;
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("bulwark up: kernel integrity checks disabled: " + e.getMessage());
            return null;
        }
    }

    /** Baseline after the sensor's own programs are loaded (they are then part of it); null when off or impossible. */
    private IntegrityMonitor startIntegrity(IntegrityChecker checker, List<Consumer<AlertEnvelope>> sinks) {
        if (checker == null) {
            return null;
        }
        try {
            IntegrityMonitor m = new IntegrityMonitor(checker,
                    new IntegrityAlerts(NodeIdentity.detect(), "local", dryRun ? "dry-run" : "none"), sinks,
                    TimeUnit.SECONDS.toNanos(integritySeconds), System.err);
            m.start();
            return m;
        } catch (RuntimeException e) {
            checker.close();
            System.err.println("bulwark up: kernel integrity checks disabled: " + e.getMessage());
            return null;
        }
    }

    /**
     * The audit of a container when its first event is seen runs on a thread of its own: on the
     * decoder's thread it held every event behind it for the audit's /proc and state reads (a
     * flood's first events were lost for it; docs/benchmarks.md) and behind a periodic
     * audit of the whole node. Bounded: past 1,024 waiting containers the periodic audit covers the rest.
     */
    private static java.util.concurrent.ThreadPoolExecutor containerAudits() {
        return new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new java.util.concurrent.ArrayBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, "bulwark-audit");
            t.setDaemon(true);
            return t;
        }, (r, pool) -> System.err.println("bulwark up: container audit queue full; the next periodic audit covers the container"));
    }

    private static void auditLater(java.util.concurrent.ThreadPoolExecutor audits, AuditReporter reporter, io.bulwark.contract.ContainerInfo c) {
        audits.execute(() -> {
            try {
                reporter.containerStarted(c);
            } catch (RuntimeException e) {
                System.err.println("bulwark up: audit of container " + c.id() + " failed: " + e);
            }
        });
    }

    /** /metrics and the health probes on 127.0.0.1; null when off or the port is taken (said on standard error). */
    private OpsServer startOps(Sensor sensor, Detector detector, AlertOutbox box, java.util.concurrent.atomic.AtomicBoolean running) {
        if (metricsPort <= 0) {
            return null;
        }
        try {
            return new OpsServer(metricsPort, m -> {
                m.counter("bulwark_sensor_events_total", "Kernel events decoded and evaluated", detector.events());
                m.counter("bulwark_sensor_alerts_total", "Alerts raised (after coalescing)", detector.alerts());
                m.counter("bulwark_sensor_coalesced_total", "Alerts folded into an earlier identical one", detector.coalesced());
                for (java.util.Map.Entry<String, Long> c : sensor.counters().entrySet()) {
                    m.counter("bulwark_sensor_kernel_total", "The sensor's kernel and decoder counters (drops: ringbuf_full_drops, inflight_full, rate_limited, record_errors, decode_errors)",
                            c.getValue(), "counter", c.getKey());
                }
                if (box != null) {
                    io.bulwark.outbox.OutboxWriter w = box.writer();
                    m.gauge("bulwark_outbox_used_bytes", "Bytes the outbox's segments hold (delivered ones are deleted by the shipper)", w.usedBytes());
                    m.gauge("bulwark_outbox_capacity_bytes", "Most bytes the outbox may hold", w.capacityBytes());
                    m.counter("bulwark_outbox_appended_total", "Records appended to the outbox by this sensor", w.appended());
                    for (int r = 0; r < 8; r++) {
                        m.counter("bulwark_outbox_refused_total", "Records refused because the outbox was full, by priority", w.refused(r),
                                "priority", io.bulwark.outbox.Rank.name(r));
                    }
                }
            }, running::get, () -> running.get() && sensor.probe().failedPrograms().isEmpty());
        } catch (java.io.IOException e) {
            System.err.println("bulwark up: metrics and health endpoints off: cannot listen on 127.0.0.1:" + metricsPort + ": " + e.getMessage());
            return null;
        }
    }

    /** What the warm-up's alerts add up to; read by nothing but kept so the rendering cannot be skipped. */
    private static long warmUpRendered;

    /**
     * The warm-up's only output: an alert rendered as the real sinks render it (the line, and the JSON
     * envelope when there is an --alerts file) and thrown away. The first real alert otherwise paid for the JSON serializers'
     * construction and the renderer's first run on the decoder's thread, 3-7 ms in a flood's first
     * events (`-Dbulwark.debug.slowEvents`, docs/benchmarks.md).
     */
    private static void renderOnly(AlertEnvelope a, boolean json) {
        warmUpRendered += AlertFactory.line(a).length() + (json ? io.bulwark.contract.Json.line(a).length() : 0);
    }

    /** The sensor's sink into a detector; one class for the real one and the warm-up's (Sensor.Options says why). */
    private static EventSink sinkOf(Detector detector) {
        return new EventSink() {
            @Override
            public Object accept(io.bulwark.contract.SensorEvent event) {
                return detector.onEvent(event);
            }

            @Override
            public void repeat(io.bulwark.contract.SensorEvent event, Object verdict) {
                detector.onRepeat(event, verdict);
            }
        };
    }

    @Override
    public Integer call() throws Exception {
        Priority min = Priority.parse(minPriority);
        RuleEngine engine = ruleFiles.load("up", System.err);
        if (engine == null) {
            return 1;
        }
        List<Consumer<AlertEnvelope>> sinks = new ArrayList<>();
        JsonLinesFile file = alerts == null ? null : new JsonLinesFile(alerts);
        sinks.add(a -> {
            if (Priority.parse(a.detail().priority()).atLeast(min)) {
                System.out.println(AlertFactory.line(a));
                System.out.flush();
            }
        });
        if (file != null) {
            sinks.add(a -> {
                if (Priority.parse(a.detail().priority()).atLeast(min)) {
                    file.accept(a);
                }
            });
        }
        AlertOutbox box = outbox == null ? null
                : new AlertOutbox(outbox, (long) outboxMib << 20, NodeIdentity.detect(), "local", dryRun ? "dry-run" : "none", System.err);
        if (box != null) {
            box.alarmTo(List.copyOf(sinks)); // the console and the file; the outbox gets the alarm itself
            sinks.add(a -> { // last: what is printed was kept, and the file before the outbox
                if (Priority.parse(a.detail().priority()).atLeast(min)) {
                    box.accept(a);
                }
            });
        }
        java.util.function.Consumer<Object> reports = file == null && box == null ? null : env -> {
            if (file != null) {
                file.accept(env);
            }
            if (box != null) {
                box.accept(env);
            }
        };
        AlertFactory factory = new AlertFactory(NodeIdentity.detect(), "local", dryRun ? "dry-run" : "none");
        Detector detector = new Detector(engine, factory, TimeUnit.SECONDS.toNanos(coalesceSeconds), sinks);
        ContainerResolver resolver = new ContainerResolver();
        Response response;
        try {
            response = Response.open(this, resolver, file, box);
        } catch (Response.Unusable e) {
            System.err.println("bulwark up: " + e.getMessage());
            if (box != null) {
                box.close();
            }
            return 2;
        }
        detector.respondWith(response.fastPath());
        List<Consumer<AlertEnvelope>> responded = List.of(response.through(sinks)); // integrity and loss alerts: filed and answered too
        AuditService audit = new AuditService(resolver, Weights.defaults());
        AuditReporter reporter = new AuditReporter(audit, reports);
        java.util.concurrent.ThreadPoolExecutor audits = containerAudits();
        IntegrityChecker checker = openIntegrity();
        Sensor sensor;
        try {
            // the warm-up's detector has the same rules and no sinks: its alerts go nowhere
            java.util.function.Supplier<EventSink> warm = noWarmUp ? null
                    : () -> sinkOf(new Detector(engine, factory, TimeUnit.SECONDS.toNanos(coalesceSeconds), List.of(a -> renderOnly(a, file != null))));
            sensor = Sensor.start(Sensor.Options.of(SensorContainers.of(resolver), sinkOf(detector))
                    .probe(Probe.Settings.defaults().withRateLimit(rateLimit).withRingBytes(ringMib << 20)
                            .withPinDir("none".equals(pinDir) ? null : Path.of(pinDir)))
                    .onNewContainer(c -> auditLater(audits, reporter, c))
                    .warmUp(warm));
        } catch (EnvironmentException e) {
            if (checker != null) {
                checker.close();
            }
            if (box != null) {
                box.close();
            }
            response.close();
            System.err.println("bulwark up: " + e.getMessage());
            return 3;
        }
        response.started(sensor); // evidence gets the process table; the command spool starts
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "bulwark-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        OpsServer ops = startOps(sensor, detector, box, running);
        System.out.println("bulwark up: ready — " + sensor.probe().attached().size() + " programs attached"
                + (sensor.probe().pins() == null ? "" : sensor.probe().pins().adopted()
                        ? " (the ring of an earlier sensor adopted from " + sensor.probe().pins().dir() + ")" : " (pinned in " + sensor.probe().pins().dir() + ")")
                + ", "
                + engine.rules().size() + " rules loaded" + (dryRun ? ", dry run: no action will be taken" : "")
                + "; " + response.describe()
                + (sensor.probe().failedPrograms().isEmpty() ? "" : "; NOT attached: " + sensor.probe().failedPrograms())
                + (checker == null ? "" : "; kernel integrity checked now and every " + integritySeconds + " s"));
        System.out.flush();
        long deadline = seconds == null ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        reporter.periodic(); // the inventory at ready: the containers running when the sensor started
        // after the ready line: what the integrity baseline finds by itself is an alert line like any other
        IntegrityMonitor integrity = startIntegrity(checker, responded);
        long nextAudit = auditMinutes > 0 ? System.nanoTime() + TimeUnit.MINUTES.toNanos(auditMinutes) : Long.MAX_VALUE;
        LossMonitor losses = new LossMonitor(NodeIdentity.detect(), "local", dryRun ? "dry-run" : "none",
                TimeUnit.SECONDS.toNanos(coalesceSeconds));
        long nextTrim = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long nextStats = statsSeconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(statsSeconds) : Long.MAX_VALUE;
        while (!stop.await(1, TimeUnit.SECONDS)) {
            detector.tick();
            AlertEnvelope loss = losses.check(sensor.counters(), System.nanoTime());
            if (loss != null) {
                for (Consumer<AlertEnvelope> sink : responded) {
                    sink.accept(loss);
                }
            }
            if (System.nanoTime() > nextStats) {
                System.err.println("bulwark up: stats; events " + detector.events() + ", alerts " + detector.alerts()
                        + "; sensor counters " + sensor.counters());
                nextStats = System.nanoTime() + TimeUnit.SECONDS.toNanos(statsSeconds);
            }
            if (System.nanoTime() > nextTrim) {
                // the JIT's and libbpf's freed native memory otherwise stays in glibc's arenas (RSS)
                io.bulwark.sensor.probe.Probe.releaseFreedNativeMemory();
                nextTrim = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            }
            if (System.nanoTime() > nextAudit) {
                reporter.periodic();
                nextAudit = System.nanoTime() + TimeUnit.MINUTES.toNanos(auditMinutes);
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        running.set(false);
        if (integrity != null) {
            integrity.close();
        }
        sensor.close(keepPins);
        audits.shutdown(); // the audits of containers already seen still run and are written
        if (!audits.awaitTermination(2, TimeUnit.SECONDS)) {
            System.err.println("bulwark up: " + audits.getQueue().size() + " container audits not done at stop (the next periodic audit covers them)");
            audits.shutdownNow();
        }
        detector.flush();
        response.close();
        if (file != null) {
            file.close();
        }
        if (box != null) {
            box.close();
        }
        if (ops != null) {
            ops.close();
        }
        System.err.println("bulwark up: stopped; events " + detector.events() + ", alerts " + detector.alerts()
                + ", coalesced " + detector.coalesced() + "; sensor counters " + sensor.counters());
        System.err.flush();
        stopped.countDown();
        if (seconds != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // shutting down already
            }
        }
        return 0;
    }
}
