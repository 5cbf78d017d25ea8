package io.bulwark.delivery;

import io.bulwark.outbox.OpsServer;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

@Command(name = "ship", mixinStandardHelpOptions = true,
        description = {
            "Deliver the node's outbox (written by 'bulwark up --outbox DIR') to the alerts queue (SQS) and the event bus "
                    + "(EventBridge), oversized envelopes through S3. Every record leaves the outbox only when every target "
                    + "took it; failures are retried (only the failed entries) with exponential backoff and jitter, so an "
                    + "outage of minutes loses nothing. At least once: consumers dedupe on detail.id (docs/delivery.md).",
            "",
            "AWS credentials and region come from the standard chain (environment, profile, IRSA / Pod Identity, instance "
                    + "role); --*-endpoint override the service endpoints (the local stack, VPC endpoints).",
            "",
            "Examples:",
            "  bulwark ship --outbox /var/lib/bulwark/outbox --bus bulwark --bucket bulwark-archive-123456789012 \\",
            "    --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/bulwark-alerts",
            "  bulwark ship --outbox var/outbox --local     (against ./bulwark up's local stack)",
            "  bulwark ship --outbox /var/lib/bulwark/outbox --evidence /var/lib/bulwark/evidence --bucket bulwark-archive-123456789012 \\",
            "    --kms-key-id alias/bulwark-archive-signing --object-lock-days 365 --queue-url …   (evidence to the archive, signed by KMS)",
            "  bulwark ship --test-alert --local           (one synthetic alert to every output, then exit)"
        })
public class ShipCommand implements Callable<Integer> {
    @Option(names = "--outbox", paramLabel = "DIR", description = "The outbox directory the sensor writes (required unless --test-alert).")
    Path outbox;

    @Option(names = "--evidence", paramLabel = "DIR", description = "The sensor's evidence spool ('bulwark up --evidence DIR'): every finished "
            + "incident directory (DIR/ID/manifest.json present) is archived to s3://BUCKET/incidents/yyyy/mm/dd/ID/ (artifacts first, the signed "
            + "manifest last; never overwritten), then marked done in DIR/.archived/. Needs --bucket and --sign-key or --kms-key-id.")
    Path evidence;

    @Option(names = "--sign-key", paramLabel = "FILE", description = "Ed25519 key (PKCS#8 PEM, mode 0600) signing the evidence manifests; generated "
            + "there (with FILE.pub) on first use. The local stack's choice; in AWS use --kms-key-id.")
    Path signKey;

    @Option(names = "--kms-key-id", paramLabel = "KEY", description = "Sign evidence manifests with this asymmetric KMS key (SIGN_VERIFY; id, ARN or alias).")
    String kmsKeyId;

    @Option(names = "--kms-algorithm", paramLabel = "ALG", defaultValue = "ECDSA_SHA_256",
            description = "KMS signing algorithm: ECDSA_SHA_256 (ECC_NIST_P256 keys) or RSASSA_PSS_SHA_256 (RSA keys); default ${DEFAULT-VALUE}.")
    String kmsAlgorithm;

    @Option(names = "--kms-endpoint", paramLabel = "URL", description = "KMS endpoint instead of the region's (a VPC endpoint).")
    URI kmsEndpoint;

    @Option(names = "--object-lock-days", paramLabel = "N", defaultValue = "0",
            description = "Send Object Lock COMPLIANCE retention of N days with every evidence object (the bucket needs Object Lock enabled; "
                    + "S3 enforces it, the local stand-in does not). 0 = no retention header (the bucket's default retention still applies).")
    int objectLockDays;

    @Option(names = "--legal-hold", description = "Put a legal hold (ON) on every evidence object.")
    boolean legalHold;

    @Option(names = "--test-alert", description = "Send one harmless synthetic alert (rule 'Bulwark Test Alert', priority INFORMATIONAL) straight to every configured target, say where it arrived and how long each took, and exit: 0 when every target took it. Checks credentials, permissions and endpoints after a deployment (docs/deploy.md).")
    boolean testAlert;

    @Option(names = "--queue-url", paramLabel = "URL", description = "The alerts queue (SQS); a .fifo queue gets deduplication ids.")
    String queueUrl;

    @Option(names = "--bus", paramLabel = "NAME", description = "The EventBridge bus (name or ARN); omit to skip EventBridge.")
    String bus;

    @Option(names = "--command-queue-url", paramLabel = "URL", description = "The node's command queue (SQS): each message (a node command: "
            + "freeze, thaw, kill, stop) is written atomically into --commands DIR, where the sensor runs it once, and deleted from the queue "
            + "only once the file is on disk (docs/response.md).")
    String commandQueueUrl;

    @Option(names = "--commands", paramLabel = "DIR", description = "The sensor's command spool ('bulwark up --commands DIR'), for --command-queue-url.")
    Path commands;

    @Option(names = "--bucket", paramLabel = "NAME", description = "Bucket for envelopes over a target's size limit (nodes/NODE/overflow/…).")
    String bucket;

    @Option(names = "--node", paramLabel = "NAME", description = "This node's name in S3 keys and FIFO groups (default: the host name).")
    String node;

    @Option(names = "--region", paramLabel = "REGION", description = "AWS region (default: the standard chain's).")
    String region;

    @Option(names = "--sqs-endpoint", paramLabel = "URL", description = "SQS endpoint instead of the region's (ElasticMQ, a VPC endpoint).")
    URI sqsEndpoint;

    @Option(names = "--events-endpoint", paramLabel = "URL", description = "EventBridge endpoint instead of the region's (the local bus, a VPC endpoint).")
    URI eventsEndpoint;

    @Option(names = "--s3-endpoint", paramLabel = "URL", description = "S3 endpoint instead of the region's (S3Proxy; path-style addressing).")
    URI s3Endpoint;

    @Option(names = "--local", description = "Use ./bulwark up's local stack: ElasticMQ at 127.0.0.1:9324 (queue bulwark-alerts), the local bus at 127.0.0.1:9195, the archive at 127.0.0.1:9000 (bucket bulwark-archive), dummy credentials.")
    boolean local;

    @Option(names = "--calls-in-flight", paramLabel = "N", defaultValue = "" + Shipper.DEFAULT_WINDOW,
            description = "Calls in flight per target (SendMessageBatch, PutEvents), default ${DEFAULT-VALUE}; a FIFO queue always gets 1, "
                    + "to keep its order. The cursor moves only over what every target took, in the outbox's order.")
    int callsInFlight;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "9465",
            description = "Serve /metrics, /health/live, /health/ready on 127.0.0.1:PORT (default ${DEFAULT-VALUE}; 0 = off).")
    int metricsPort;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ShipCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (local) {
            LocalEndpoints.apply(this);
        }
        if (callsInFlight < 1 || callsInFlight > 64) {
            System.err.println("bulwark ship: --calls-in-flight must be 1 to 64: " + callsInFlight);
            return 2;
        }
        if (queueUrl == null && bus == null && evidence == null && commandQueueUrl == null) {
            System.err.println("bulwark ship: nothing to deliver to: give --queue-url and/or --bus (or --local), or --evidence, or --command-queue-url");
            return 2;
        }
        if ((commandQueueUrl == null) != (commands == null)) {
            System.err.println("bulwark ship: --command-queue-url and --commands go together (the queue, and the sensor's command spool)");
            return 2;
        }
        String nodeName = node != null ? node : java.net.InetAddress.getLocalHost().getHostName();
        Clients c = new Clients(region, local, sqsEndpoint, eventsEndpoint, s3Endpoint);
        List<Target> targets = new ArrayList<>();
        if (queueUrl != null) {
            targets.add(new SqsTarget(c.sqs(), queueUrl, nodeName));
        }
        if (bus != null) {
            targets.add(new EventBridgeTarget(c.events(), bus));
        }
        if (testAlert) {
            return TestAlert.send(nodeName, targets, queueUrl, bus, local, System.out);
        }
        if (outbox == null && evidence == null && commands == null) {
            System.err.println("bulwark ship: give --outbox DIR (the directory 'bulwark up --outbox' writes) and/or --evidence DIR and/or --command-queue-url URL --commands DIR");
            return 2;
        }
        EvidenceUploader uploader = null;
        if (evidence != null) {
            if (bucket == null) {
                System.err.println("bulwark ship: --evidence needs --bucket (the archive bucket)");
                return 2;
            }
            if ((signKey == null) == (kmsKeyId == null)) {
                System.err.println("bulwark ship: --evidence needs exactly one of --sign-key FILE (local Ed25519 key) or --kms-key-id KEY");
                return 2;
            }
            if (objectLockDays < 0) {
                System.err.println("bulwark ship: --object-lock-days must be 0 or more");
                return 2;
            }
            io.bulwark.archive.Signer signer;
            try {
                signer = signKey != null ? io.bulwark.archive.LocalKeySigner.open(signKey)
                        : new io.bulwark.archive.KmsSigner(io.bulwark.archive.Aws.kms(region, kmsEndpoint, local), kmsKeyId, kmsAlgorithm);
            } catch (java.io.IOException | IllegalArgumentException e) {
                System.err.println("bulwark ship: " + e.getMessage());
                return 2;
            }
            // the archive's S3 client: long call timeouts (evidence tars can be gigabytes), the same endpoint and credentials
            uploader = new EvidenceUploader(evidence, new io.bulwark.archive.S3Store(io.bulwark.archive.Aws.s3(region, s3Endpoint, local), bucket,
                    new io.bulwark.archive.S3Store.Lock(objectLockDays, legalHold)), signer, "bulwark ship on " + nodeName, System.err, 1000, 1000, 300_000);
        }
        Overflow overflow = bucket == null ? null : new Overflow(c::s3, bucket, nodeName);
        Shipper shipper = outbox == null ? null : new Shipper(outbox, targets, overflow, System.err, 200, 200, 30_000, callsInFlight);
        EvidenceUploader up = uploader;
        CommandReceiver receiver = commandQueueUrl == null ? null
                : new CommandReceiver(c.commandSqs(), CommandReceiver.ensureNodeQueue(c.commandSqs(), commandQueueUrl, nodeName), commands, System.err, 20);
        OpsServer ops = metricsPort > 0 ? new OpsServer(metricsPort,
                m -> {
                    if (shipper != null) {
                        shipper.metrics(m);
                    }
                    if (up != null) {
                        up.metrics(m);
                    }
                },
                () -> (shipper == null || shipper.alive()) && (up == null || up.alive()),
                () -> (shipper == null || shipper.alive()) && (up == null || up.alive())) : null;
        List<Thread> threads = new ArrayList<>();
        if (shipper != null) {
            threads.add(new Thread(shipper, "bulwark-ship"));
        }
        if (up != null) {
            threads.add(new Thread(up, "bulwark-ship-evidence"));
        }
        if (receiver != null) {
            Thread t = new Thread(receiver, "bulwark-ship-commands");
            t.setDaemon(true); // a long poll of up to 20 s must not hold the stop
            threads.add(t);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (shipper != null) {
                shipper.close();
            }
            if (up != null) {
                up.close();
            }
            if (receiver != null) {
                receiver.close();
            }
            for (Thread t : threads) {
                if (t.isDaemon()) {
                    continue;
                }
                try {
                    t.join(5000);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }
        }));
        System.err.println("bulwark ship: "
                + (shipper == null ? "" : "delivering " + outbox + " to " + targets.stream().map(Target::name).toList()
                        + (overflow == null ? "" : ", oversized through s3://" + bucket))
                + (up == null ? "" : (shipper == null ? "" : "; ") + "archiving evidence " + evidence + " to s3://" + bucket + "/incidents/"
                        + (objectLockDays > 0 ? " (Object Lock COMPLIANCE " + objectLockDays + " days)" : "") + (legalHold ? " (legal hold)" : ""))
                + (receiver == null ? "" : "; commands from " + commandQueueUrl + " into " + commands)
                + (ops == null ? "" : "; metrics on 127.0.0.1:" + ops.port()));
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (ops != null) {
            ops.close();
        }
        return 0;
    }

    /** AWS SDK v2 clients with the Apache HTTP client and one shared timeout thread; static dummy credentials for the local stack. */
    public record Clients(String region, boolean local, URI sqsEndpoint, URI eventsEndpoint, URI s3Endpoint) {
        /**
         * One daemon thread runs every client's call timeouts (the archive's and the shipper's alike), and drops a
         * timeout once it is cancelled: {@link io.bulwark.archive.Aws#TIMERS}, whose comment says why.
         */
        static final java.util.concurrent.ScheduledExecutorService TIMERS = io.bulwark.archive.Aws.TIMERS;

        private AwsCredentialsProvider credentials() {
            return local ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")) : DefaultCredentialsProvider.builder().build();
        }

        private Region reg() {
            return region != null ? Region.of(region) : local ? Region.US_EAST_1 : null;
        }

        private static ClientOverrideConfiguration timeouts() {
            return ClientOverrideConfiguration.builder().apiCallTimeout(java.time.Duration.ofSeconds(10))
                    .apiCallAttemptTimeout(java.time.Duration.ofSeconds(5)).scheduledExecutorService(TIMERS).build();
        }

        public SqsClient sqs() {
            var b = SqsClient.builder().httpClientBuilder(ApacheHttpClient.builder()).credentialsProvider(credentials())
                    .overrideConfiguration(timeouts());
            if (reg() != null) {
                b.region(reg());
            }
            if (sqsEndpoint != null) {
                b.endpointOverride(sqsEndpoint);
            }
            return b.build();
        }

        /** SQS for the command queue's long polls: the call timeouts leave room for a 20 s wait. */
        public SqsClient commandSqs() {
            var b = SqsClient.builder().httpClientBuilder(ApacheHttpClient.builder().socketTimeout(java.time.Duration.ofSeconds(30)))
                    .credentialsProvider(credentials())
                    .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(java.time.Duration.ofSeconds(40))
                            .apiCallAttemptTimeout(java.time.Duration.ofSeconds(30)).scheduledExecutorService(TIMERS).build());
            if (reg() != null) {
                b.region(reg());
            }
            if (sqsEndpoint != null) {
                b.endpointOverride(sqsEndpoint);
            }
            return b.build();
        }

        public EventBridgeClient events() {
            var b = EventBridgeClient.builder().httpClientBuilder(ApacheHttpClient.builder()).credentialsProvider(credentials())
                    .overrideConfiguration(timeouts());
            if (reg() != null) {
                b.region(reg());
            }
            if (eventsEndpoint != null) {
                b.endpointOverride(eventsEndpoint);
            }
            return b.build();
        }

        public S3Client s3() {
            var b = S3Client.builder().httpClientBuilder(ApacheHttpClient.builder()).credentialsProvider(credentials())
                    .overrideConfiguration(timeouts()).forcePathStyle(local || s3Endpoint != null);
            if (reg() != null) {
                b.region(reg());
            }
            if (s3Endpoint != null) {
                b.endpointOverride(s3Endpoint);
                // S3-compatible stores (S3Proxy) misread the SDK's default aws-chunked uploads with trailing
                // checksums; checksums we compute ourselves (Overflow's SHA-256) still travel as headers
                b.requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED);
            }
            return b.build();
        }
    }

    /** The local stack's fixed addresses (io.bulwark.stack.LocalStack uses the same). */
    public static final class LocalEndpoints {
        public static final int SQS_PORT = 9324;
        public static final int EVENTS_PORT = 9195;
        public static final int S3_PORT = 9000;
        public static final String QUEUE = "bulwark-alerts";
        public static final String BUS = "bulwark";
        public static final String BUCKET = "bulwark-archive";

        private LocalEndpoints() {}

        public static String queueUrl() {
            return "http://127.0.0.1:" + SQS_PORT + "/000000000000/" + QUEUE;
        }

        static void apply(ShipCommand c) {
            if (c.queueUrl == null) {
                c.queueUrl = queueUrl();
            }
            if (c.bus == null) {
                c.bus = BUS;
            }
            if (c.bucket == null) {
                c.bucket = BUCKET;
            }
            if (c.sqsEndpoint == null) {
                c.sqsEndpoint = URI.create("http://127.0.0.1:" + SQS_PORT);
            }
            if (c.eventsEndpoint == null) {
                c.eventsEndpoint = URI.create("http://127.0.0.1:" + EVENTS_PORT);
            }
            if (c.s3Endpoint == null) {
                c.s3Endpoint = URI.create("http://127.0.0.1:" + S3_PORT);
            }
        }
    }
}
