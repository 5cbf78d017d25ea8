package io.bulwark.stack;

import io.bulwark.archive.S3Store;
import io.bulwark.archive.Signer;
import io.bulwark.functions.snapshot.SnapshotService;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The snapshot function in the local stack (docs/archive.md, "Snapshot function"): the bus's incident
 * rule hands it each {@code Bulwark Incident} event, and it runs the same {@link SnapshotService} the
 * Lambda runs, on its own thread (as EventBridge invokes a Lambda asynchronously: the bus does not wait
 * for it). No EC2 here: EBS is recorded "not configured". The pod's spec and events come from the
 * cluster of the kubeconfig when one is given ({@code --kubeconfig}, $KUBECONFIG, ~/.kube/config),
 * else "not configured". Parts are signed with the local stack's archive key.
 */
final class LocalSnapshot implements Consumer<String>, AutoCloseable {
    private final SnapshotService service;
    private final KubernetesClient kubernetes;
    static final Duration RETRY = Duration.ofSeconds(30);
    static final int ATTEMPTS = 10;

    private final java.util.concurrent.ScheduledThreadPoolExecutor worker = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "bulwark-stack-snapshot");
        t.setDaemon(true);
        return t;
    });
    private final PrintStream log;

    LocalSnapshot(S3Store store, Signer signer, Path kubeconfig, Duration waitForNodeEvidence, PrintStream log) throws IOException {
        this.log = log;
        String missing = null;
        KubernetesClient k = null;
        if (kubeconfig == null) {
            missing = "no kubeconfig (--kubeconfig, KUBECONFIG or ~/.kube/config)";
        } else {
            if (!Files.isReadable(kubeconfig)) {
                throw new IOException(kubeconfig + ": kubeconfig not readable");
            }
            Config c = Config.fromKubeconfig(null, Files.readString(kubeconfig, StandardCharsets.UTF_8), kubeconfig.toString());
            c.setRequestTimeout(5000);
            c.setConnectionTimeout(3000);
            c.setRequestRetryBackoffLimit(0);
            k = new KubernetesClientBuilder().withConfig(c).build();
        }
        this.kubernetes = k;
        this.service = new SnapshotService(store, signer, null, "no EC2 in the local stack (the Lambda in AWS requests the EBS snapshots)", k, missing,
                "bulwark-snapshot on " + io.bulwark.archive.Incidents.who(), waitForNodeEvidence, Clock.systemUTC());
    }

    /** The kubeconfig to use: the option, else $KUBECONFIG (its first file), else ~/.kube/config when present; null for none. */
    static Path kubeconfig(String option) {
        if (option != null) {
            return "none".equals(option) ? null : Path.of(option);
        }
        String env = System.getenv("KUBECONFIG");
        if (env != null && !env.isBlank()) {
            return Path.of(env.split(java.io.File.pathSeparator)[0]);
        }
        Path home = Path.of(System.getProperty("user.home"), ".kube", "config");
        return Files.isRegularFile(home) ? home : null;
    }

    /**
     * Runs the service on the worker. When the node's evidence is still on its way, tries again every
     * {@link #RETRY}, {@link #ATTEMPTS} times in all (Lambda retries the invocation in AWS).
     */
    @Override
    public void accept(String envelope) {
        worker.execute(() -> attempt(envelope, 1));
    }

    private void attempt(String envelope, int n) {
        try {
            SnapshotService.Result r = service.handle(envelope.getBytes(StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder();
            r.steps().forEach((k, v) -> b.append(", ").append(k).append(' ').append(v.status()));
            log.println("bulwark stack: snapshot of incident " + r.incident() + ": " + r.outcome() + " " + r.part() + b);
        } catch (SnapshotService.NodeEvidencePendingException e) {
            if (n < ATTEMPTS && !worker.isShutdown()) {
                log.println("bulwark stack: snapshot: " + e.getMessage() + " (attempt " + n + " of " + ATTEMPTS + ", again in " + RETRY.toSeconds() + " s)");
                worker.schedule(() -> attempt(envelope, n + 1), RETRY.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                log.println("bulwark stack: snapshot gave up: " + e.getMessage());
            }
        } catch (Exception | Error e) {
            log.println("bulwark stack: snapshot failed: " + e);
        }
    }

    /** Waits until every event handed over so far is done (tests). */
    void awaitIdle(Duration timeout) throws InterruptedException {
        var done = new java.util.concurrent.CountDownLatch(1);
        worker.execute(done::countDown);
        if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the snapshot worker is still busy after " + timeout);
        }
    }

    @Override
    public void close() {
        worker.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        worker.shutdown();
        try {
            if (!worker.awaitTermination(30, TimeUnit.SECONDS)) {
                log.println("bulwark stack: a snapshot was still running at stop");
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (kubernetes != null) {
            kubernetes.close();
        }
    }
}
