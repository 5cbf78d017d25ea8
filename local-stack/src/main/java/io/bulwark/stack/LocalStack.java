package io.bulwark.stack;

import io.bulwark.contract.FindingEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.delivery.EventBridgeTarget;
import io.bulwark.delivery.Overflow;
import io.bulwark.delivery.ShipCommand;
import io.bulwark.delivery.ShipCommand.LocalEndpoints;
import io.bulwark.delivery.Shipper;
import io.bulwark.delivery.SqsTarget;
import io.bulwark.functions.archive.AuditArchive;
import io.bulwark.functions.audit.ArchiveKeys;
import io.bulwark.functions.audit.AuditAggregator;
import io.bulwark.functions.bus.FindingBus;
import io.bulwark.functions.bus.Patterns;
import io.bulwark.functions.enrich.PodEnricher;
import io.bulwark.functions.triage.CveTable;
import io.bulwark.functions.triage.IncidentStore;
import io.bulwark.functions.triage.Triage;
import io.bulwark.functions.triage.TriageBatch;
import io.bulwark.functions.triage.TriageEnricher;
import io.bulwark.outbox.OpsServer;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

@Command(name = "stack", mixinStandardHelpOptions = true,
        description = {
            "The AWS side of Bulwark on this machine, real protocol servers on 127.0.0.1 (what ./bulwark up starts "
                    + "beside the sensor): ElasticMQ speaking SQS with the queues the AWS setup has; S3Proxy speaking S3 "
                    + "over DIR/archive/<bucket>/<key> (plain files an operator can read and back up); a local event bus "
                    + "speaking EventBridge's PutEvents that applies the pattern files of functions/src/main/resources/patterns "
                    + "with AWS's event-ruler and runs the functions in process (audit aggregation on Escape Surface "
                    + "Reports, the alerts archive, the incidents archive); the triage function polling the alerts queue (incidents in "
                    + "archive/<bucket>/state/incidents/, published on the bus); and the shipper delivering the node's outbox to the queue and the bus.",
            "",
            "Prints a line containing 'ready' when every server answers. Ctrl-C or SIGTERM stops it."
        })
public final class LocalStack implements Callable<Integer>, AutoCloseable {
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "var", description = "State directory: DIR/archive (the S3 store), DIR/outbox (default ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--outbox", paramLabel = "DIR", description = "The outbox to deliver (default DIR/outbox); 'none' runs no shipper.")
    String outbox;

    @Option(names = "--evidence", paramLabel = "DIR", description = "The sensor's evidence spool to archive (default DIR/evidence), signed with "
            + "the Ed25519 key DIR/keys/archive-ed25519.key (made on first use); 'none' archives nothing.")
    String evidence;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "The cluster the snapshot function reads incident pods and events from "
            + "(default $KUBECONFIG, else ~/.kube/config when present; 'none': record them as not configured).")
    String kubeconfig;

    @Option(names = "--commands", paramLabel = "DIR", description = "The sensor's command spool (default DIR/commands): every message on the "
            + "bulwark-node-commands queue is written there for 'bulwark up --commands DIR' to run (docs/response.md); 'none' receives nothing.")
    String commands;

    @Option(names = "--no-respond", description = "Do not run the respond function (playbooks on incidents, critical alerts and approval/release events).")
    boolean noRespond;

    @Option(names = "--respond-dry-run", description = "The respond function records what it would do and changes nothing.")
    boolean respondDryRun;

    @Option(names = "--playbooks", paramLabel = "PATH", description = "Playbook files or directories the respond function runs besides the default playbook (repeatable).")
    List<Path> playbooks;

    @Option(names = "--sqs-store", paramLabel = "PATH|memory", description = "ElasticMQ's queues and messages in the H2 database PATH.mv.db, so "
            + "what is queued survives a restart of the stack (default DIR/sqs/messages); 'memory' keeps them in memory only (lost at a stop).")
    String sqsStore;

    @Option(names = "--sqs-port", defaultValue = "" + LocalEndpoints.SQS_PORT) int sqsPort;
    @Option(names = "--s3-port", defaultValue = "" + LocalEndpoints.S3_PORT) int s3Port;
    @Option(names = "--events-port", defaultValue = "" + LocalEndpoints.EVENTS_PORT) int eventsPort;
    @Option(names = "--metrics-port", defaultValue = "9465", description = "The shipper's /metrics and /health on 127.0.0.1 (0 = off).") int metricsPort;
    @Option(names = "--no-triage", defaultValue = "${env:BULWARK_STACK_NO_TRIAGE:-false}",
            description = "Do not run the triage function on the alerts queue (it runs by default; with this the queue is left to another "
                    + "consumer, e.g. bench/alert-latency.sh). Environment: BULWARK_STACK_NO_TRIAGE=true.")
    boolean noTriage;

    private final PrintStream log;
    private SQSRestServer sqs;
    private S3Proxy s3proxy;
    private BlobStoreContext blobs;
    private BusServer bus;
    private AlertArchive alertArchive;
    private AlertArchive incidentArchive;
    private TriagePoller triagePoller;
    private Thread triageThread;
    private Shipper shipper;
    private Thread shipThread;
    private io.bulwark.delivery.EvidenceUploader uploader;
    private Thread uploadThread;
    private io.bulwark.delivery.CommandReceiver commandReceiver;
    private Thread commandThread;
    private OpsServer ops;
    private LocalSnapshot snapshot;
    private LocalRespond respond;
    private SqsClient sqsClient;
    private S3Client s3Client;

    public LocalStack() {
        this(System.err);
    }

    /** A stack logging to {@code log} (what the tests read). */
    LocalStack(PrintStream log) {
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LocalStack()).execute(args));
    }

    public static final List<String> QUEUES = List.of("bulwark-alerts-dlq", "bulwark-alerts", "bulwark-node-commands-dlq", "bulwark-node-commands");

    /** Starts ElasticMQ on {@code port}, in memory; the tests' way ({@link SqsServer} with a store is the stack's). */
    public static SQSRestServer startSqs(int port) {
        return SqsServer.start(port, null);
    }

    /** Creates the queues the AWS setup has (infra/modules/queues): each with its DLQ after 5 receives. */
    public static void createQueues(SqsClient c) {
        for (String q : QUEUES) {
            Map<QueueAttributeName, String> attrs = new java.util.HashMap<>();
            attrs.put(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600");
            if (!q.endsWith("-dlq")) {
                String dlqArn = "arn:aws:sqs:" + BusServer.REGION + ":" + BusServer.ACCOUNT + ":" + q + "-dlq";
                attrs.put(QueueAttributeName.REDRIVE_POLICY, "{\"maxReceiveCount\":\"5\",\"deadLetterTargetArn\":\"" + dlqArn + "\"}");
            }
            c.createQueue(b -> b.queueName(q).attributes(attrs));
        }
    }

    /** S3Proxy over {@code root} (jclouds' filesystem store: a bucket is a directory, a key a path under it). */
    public static S3Proxy startS3(BlobStore store, int port) throws Exception {
        S3Proxy p = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.NONE, null, null).ignoreUnknownHeaders(true).build();
        ConditionalPuts.install(p, store); // S3Proxy ignores If-None-Match / If-Match on PUT; S3 does not
        p.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!"STARTED".equals(p.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start on 127.0.0.1:" + port + " (state " + p.getState() + ")");
            }
            Thread.sleep(10);
        }
        return p;
    }

    public static BlobStoreContext filesystem(Path root) throws java.io.IOException {
        Files.createDirectories(root);
        Properties props = new Properties();
        props.setProperty("jclouds.filesystem.basedir", root.toAbsolutePath().toString());
        return ContextBuilder.newBuilder("filesystem").overrides(props).buildView(BlobStoreContext.class);
    }

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "bulwark-stack-stop"));
        start();
        log.flush();
        System.out.printf("bulwark stack: ready in %d ms — sqs http://127.0.0.1:%d/%s/bulwark-alerts (%s), s3 http://127.0.0.1:%d (files under %s), "
                        + "bus http://127.0.0.1:%d rules %s%s%n",
                (System.nanoTime() - t0) / 1_000_000, sqsPort, BusServer.ACCOUNT,
                "memory".equals(sqsStore) ? "in memory" : "stored in " + (sqsStore == null ? dir.resolve("sqs").resolve("messages") : sqsStore) + ".mv.db", s3Port, dir.resolve("archive"), eventsPort, bus.rules(),
                (shipper == null ? "" : ", shipping " + outboxDir()) + (uploader == null ? "" : ", archiving evidence " + evidenceDir())
                        + (commandReceiver == null ? "" : ", node commands into " + commandsDir()));
        System.out.flush();
        if (shipThread != null) {
            shipThread.join();
        } else {
            Thread.currentThread().join();
        }
        return 0;
    }

    private Path evidenceDir() {
        return evidence == null ? dir.resolve("evidence") : Path.of(evidence);
    }

    private Path commandsDir() {
        return commands == null ? dir.resolve("commands") : Path.of(commands);
    }

    private Path outboxDir() {
        return outbox == null ? dir.resolve("outbox") : Path.of(outbox);
    }

    /** Starts every part; {@link #close} stops them. */
    public void start() throws Exception {
        ShipCommand.Clients clients = new ShipCommand.Clients(BusServer.REGION, true, URI.create("http://127.0.0.1:" + sqsPort),
                URI.create("http://127.0.0.1:" + eventsPort), URI.create("http://127.0.0.1:" + s3Port));
        // the three servers start side by side: ElasticMQ's actor system is the slow one
        Path sqsFile = "memory".equals(sqsStore) ? null : sqsStore == null ? dir.resolve("sqs").resolve("messages") : Path.of(sqsStore);
        RuntimeException[] sqsFailed = new RuntimeException[1];
        Thread sqsStart = new Thread(() -> {
            try {
                sqs = SqsServer.start(sqsPort, sqsFile);
            } catch (RuntimeException e) {
                sqsFailed[0] = e;
            }
        }, "bulwark-stack-sqs");
        sqsStart.start();
        blobs = filesystem(dir.resolve("archive"));
        BlobStore store = blobs.getBlobStore();
        store.createContainerInLocation(null, LocalEndpoints.BUCKET);
        s3proxy = startS3(store, s3Port);
        s3Client = clients.s3();
        bus = new BusServer(eventsPort, log);
        AuditAggregator aggregator = new AuditAggregator(new AuditArchive(s3Client, LocalEndpoints.BUCKET), new ArchiveKeys("audit"),
                new PodEnricher(null), findingsOnto(bus), 10, Duration.ofMinutes(25), 5, BusServer.ACCOUNT, BusServer.REGION, Clock.systemUTC());
        bus.rule(Patterns.AUDIT_HIGH_FINDING, Patterns.load(Patterns.AUDIT_HIGH_FINDING), env -> log.println("bulwark stack: HIGH escape-surface finding "
                + tree(env).path("detail")));
        bus.rule("escape-surface-report", Patterns.load("escape-surface-report"), env -> aggregator.handle(env.getBytes(StandardCharsets.UTF_8)));
        alertArchive = new AlertArchive(s3Client, LocalEndpoints.BUCKET, log);
        bus.rule("sensor-alert", Patterns.load("sensor-alert"), alertArchive::accept);
        incidentArchive = AlertArchive.incidents(s3Client, LocalEndpoints.BUCKET, log);
        bus.rule(Patterns.INCIDENT, Patterns.load(Patterns.INCIDENT), incidentArchive::accept);
        // the snapshot function on incidents (docs/archive.md, "Snapshot function"), beside the other incident rules
        snapshot = new LocalSnapshot(new io.bulwark.archive.S3Store(io.bulwark.archive.Aws.s3(BusServer.REGION, URI.create("http://127.0.0.1:" + s3Port), true),
                LocalEndpoints.BUCKET, io.bulwark.archive.S3Store.Lock.NONE), io.bulwark.archive.LocalKeySigner.open(dir.resolve("keys").resolve("archive-ed25519.key")),
                LocalSnapshot.kubeconfig(kubeconfig), Duration.ofSeconds(15), log);
        bus.rule("incident-snapshot", Patterns.load(Patterns.INCIDENT), snapshot);
        sqsStart.join();
        if (sqs == null) {
            throw new IllegalStateException("ElasticMQ did not start on 127.0.0.1:" + sqsPort
                    + (sqsFailed[0] == null ? "" : ": " + sqsFailed[0].getMessage()), sqsFailed[0]);
        }
        sqsClient = clients.sqs();
        createQueues(sqsClient);
        if (!noTriage) {
            String base = "http://127.0.0.1:" + sqsPort + "/" + BusServer.ACCOUNT + "/";
            Triage t = new Triage(new IncidentStore(s3Client, LocalEndpoints.BUCKET, "state", 20), new TriageEnricher(null), CveTable.load(),
                    findingsOnto(bus), Duration.ofMinutes(15), BusServer.ACCOUNT, BusServer.REGION, null, Clock.systemUTC());
            triagePoller = new TriagePoller(sqsClient, base + LocalEndpoints.QUEUE, new TriageBatch(t, sqsClient, base + LocalEndpoints.QUEUE + "-dlq"),
                    30, log);
            triageThread = new Thread(triagePoller, "bulwark-triage");
            triageThread.setDaemon(true);
            triageThread.start();
        }
        if (!"none".equals(commands)) {
            // the shipper's end of the node command channel: the node's queue into the sensor's spool
            commandReceiver = new io.bulwark.delivery.CommandReceiver(clients.commandSqs(),
                    "http://127.0.0.1:" + sqsPort + "/" + BusServer.ACCOUNT + "/bulwark-node-commands", commandsDir(), log, 1);
            commandThread = new Thread(commandReceiver, "bulwark-ship-commands");
            commandThread.setDaemon(true);
            commandThread.start();
        }
        if (!noRespond) {
            // the respond function (docs/respond.md): incidents, the containment pattern (the default playbook's match) and approval/release
            // events; its node.* steps go onto bulwark-node-commands as in AWS, and the command receiver above puts them in the sensor's spool
            respond = new LocalRespond(s3Client, LocalEndpoints.BUCKET, new io.bulwark.functions.respond.act.node.SqsCommandChannel(sqsClient,
                    "http://127.0.0.1:" + sqsPort + "/" + BusServer.ACCOUNT + "/bulwark-node-commands"), "the bulwark-node-commands queue",
                    LocalSnapshot.kubeconfig(kubeconfig), playbooks == null ? List.of() : playbooks, respondDryRun, log);
            bus.rule("respond-incident", Patterns.load(Patterns.INCIDENT), respond);
            bus.rule("respond-containment", LocalRespond.CONTAINMENT, respond);
            bus.rule("respond-approval", LocalRespond.APPROVAL, respond);
        }
        if (!"none".equals(outbox)) {
            List<io.bulwark.delivery.Target> targets = new ArrayList<>();
            targets.add(new SqsTarget(sqsClient, "http://127.0.0.1:" + sqsPort + "/" + BusServer.ACCOUNT + "/" + LocalEndpoints.QUEUE, host()));
            targets.add(new EventBridgeTarget(clients.events(), LocalEndpoints.BUS));
            shipper = new Shipper(outboxDir(), targets, new Overflow(s3Client, LocalEndpoints.BUCKET, host()), log, 200, 200, 30_000);
        }
        if (!"none".equals(evidence)) {
            // the shipper's evidence upload, through the S3 protocol into the same bucket (docs/archive.md)
            uploader = new io.bulwark.delivery.EvidenceUploader(evidenceDir(),
                    // its own client: the shipper's has a 10 s call timeout, evidence tars can be gigabytes
                    new io.bulwark.archive.S3Store(io.bulwark.archive.Aws.s3(BusServer.REGION, URI.create("http://127.0.0.1:" + s3Port), true),
                            LocalEndpoints.BUCKET, io.bulwark.archive.S3Store.Lock.NONE),
                    io.bulwark.archive.LocalKeySigner.open(dir.resolve("keys").resolve("archive-ed25519.key")), "bulwark ship on " + host(), log,
                    1000, 1000, 300_000);
            uploadThread = new Thread(uploader, "bulwark-ship-evidence");
            uploadThread.start();
        }
        if (shipper != null) {
            if (metricsPort > 0) {
                io.bulwark.delivery.EvidenceUploader up = uploader;
                ops = new OpsServer(metricsPort, m -> {
                    shipper.metrics(m);
                    if (up != null) {
                        up.metrics(m);
                    }
                }, shipper::alive, shipper::alive);
            }
            shipThread = new Thread(shipper, "bulwark-ship");
            shipThread.start();
        }
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /** The audit aggregation's findings go back onto the same bus, as in AWS. */
    private static FindingBus findingsOnto(BusServer bus) {
        return new FindingBus() {
            @Override
            public String name() {
                return "local";
            }

            @Override
            public List<Delivery> publishEntries(List<Entry> events) {
                List<Delivery> out = new ArrayList<>();
                for (Entry e : events) {
                    String error = bus.dispatch(e.envelopeJson());
                    out.add(new Delivery(error == null ? e.id() : null, error, List.of()));
                }
                return out;
            }
        };
    }

    static com.fasterxml.jackson.databind.JsonNode tree(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    public SqsClient sqsClient() {
        return sqsClient;
    }

    public S3Client s3Client() {
        return s3Client;
    }

    LocalRespond respond() {
        return respond;
    }

    public Shipper shipper() {
        return shipper;
    }

    public BusServer bus() {
        return bus;
    }

    LocalSnapshot snapshot() {
        return snapshot;
    }

    public io.bulwark.delivery.EvidenceUploader evidenceUploader() {
        return uploader;
    }

    public io.bulwark.delivery.CommandReceiver commandReceiver() {
        return commandReceiver;
    }

    public TriagePoller triagePoller() {
        return triagePoller;
    }

    @Override
    public synchronized void close() {
        if (commandReceiver != null) {
            commandReceiver.close();
            try {
                commandThread.join(3000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            commandReceiver = null;
        }
        if (uploader != null) {
            uploader.close();
            try {
                uploadThread.join(5000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            uploader = null;
        }
        if (triagePoller != null) {
            triagePoller.close();
            try {
                triageThread.join(5000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            triagePoller = null;
        }
        if (shipper != null) {
            shipper.close();
            try {
                shipThread.join(5000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            shipper = null;
        }
        if (ops != null) {
            ops.close();
            ops = null;
        }
        if (bus != null) {
            bus.close();
            bus = null;
        }
        if (respond != null) {
            respond.close(); // queued events are handled before S3Proxy stops
            respond = null;
        }
        if (snapshot != null) {
            snapshot.close(); // a running snapshot finishes before S3Proxy stops
            snapshot = null;
        }
        if (alertArchive != null) {
            alertArchive.close(); // what is queued is written before S3Proxy stops
            alertArchive = null;
        }
        if (incidentArchive != null) {
            incidentArchive.close();
            incidentArchive = null;
        }
        try {
            if (s3proxy != null) {
                s3proxy.stop();
                s3proxy = null;
            }
        } catch (Exception ignored) {
            // stopping
        }
        if (blobs != null) {
            blobs.close();
            blobs = null;
        }
        if (sqs != null) {
            sqs.stopAndWait();
            sqs = null;
        }
    }
}
