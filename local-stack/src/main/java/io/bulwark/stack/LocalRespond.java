package io.bulwark.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.functions.respond.RespondService;
import io.bulwark.functions.respond.act.RespondExecutors;
import io.bulwark.functions.respond.act.k8s.ArchiveEvidenceCheck;
import io.bulwark.functions.respond.act.node.CommandChannel;
import io.bulwark.functions.respond.act.notify.Secrets;
import io.bulwark.functions.respond.state.S3ResponseState;
import io.bulwark.response.Guardrails;
import io.bulwark.response.Playbook;
import io.bulwark.response.PlaybookLoader;
import io.bulwark.response.Responder;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The respond function in the local stack (docs/respond.md): the bus's respond rules (incidents, the containment
 * pattern, approval/release events) hand it events; it runs them one at a time on its own thread, in arrival order.
 * Local mode: the state is the same S3ResponseState the Lambda uses, on the stack's S3 (S3Proxy with the stack's
 * conditional writes) under {@code state/respond/}; node.* steps go onto the bulwark-node-commands queue as in AWS (the
 * stack's command receiver writes them into the sensor's spool, {@code var/commands}); k8s.* act on the cluster of {@code --kubeconfig} and are "not configured" without one;
 * ec2.*, iam.* and notify.sns are not configured (no AWS here); Slack and PagerDuty run when their env:NAME secrets
 * are set; siem.ocsf writes var/siem/ocsf.jsonl.
 */
final class LocalRespond implements Consumer<String>, AutoCloseable {
    /** The default playbook's match (response/src/main/resources/patterns/containment.json; the EventBridge rule infra/ creates). */
    static final String CONTAINMENT = resource("patterns/containment.json");
    /** Approval, release and kill-switch events. */
    static final String APPROVAL = "{\"source\": [\"" + Responder.APPROVAL_SOURCE + "\"]}";

    static String resource(String name) {
        try (var in = Responder.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is not on the class path (the response module's jar)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
    }

    private final RespondService service;
    private final KubernetesClient kubernetes;
    private final PrintStream log;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "bulwark-stack-respond");
        t.setDaemon(true);
        return t;
    });

    /** The function's own per-step log lines would repeat the ones this class prints. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("io.bulwark.functions.respond");

    LocalRespond(S3Client s3, String bucket, CommandChannel commands, String commandsWhere, Path kubeconfig, List<Path> playbooks, boolean dryRun, PrintStream log) throws IOException {
        this.log = log;
        QUIET.setLevel(java.util.logging.Level.WARNING);
        KubernetesClient k = null;
        if (kubeconfig != null) {
            if (!Files.isReadable(kubeconfig)) throw new IOException(kubeconfig + ": kubeconfig not readable");
            Config c = Config.fromKubeconfig(null, Files.readString(kubeconfig, StandardCharsets.UTF_8), kubeconfig.toString());
            c.setRequestTimeout(5000);
            c.setConnectionTimeout(3000);
            c.setRequestRetryBackoffLimit(0);
            k = new KubernetesClientBuilder().withConfig(c).build();
        }
        this.kubernetes = k;
        S3ResponseState state = new S3ResponseState(s3, bucket, "state/respond");
        List<Playbook> pbs = new ArrayList<>(PlaybookLoader.defaultRespondPlaybooks());
        if (!playbooks.isEmpty()) pbs.addAll(PlaybookLoader.standard().load(playbooks).orThrow());
        String principal = "respond@" + io.bulwark.archive.Incidents.who();
        RespondExecutors ex = new RespondExecutors(principal, commands, k, new HashSet<>(Guardrails.DEFAULT_PROTECTED),
                ArchiveEvidenceCheck.s3(s3, bucket), null, null, null, null, Secrets.fromEnvironment(), null, s3,
                incident -> RespondService.nodeOf(state, incident));
        List<String> notes = new ArrayList<>(ex.notes());
        notes.set(2, "ec2.*/iam.*: not configured (no AWS in the local stack)");
        Responder responder = new Responder(pbs, ex.build(), state, Clock.systemUTC(),
                new Responder.Options(Responder.Part.REST, dryRun, principal, new Guardrails.RateLimit(30, Duration.ofMinutes(10))));
        this.service = new RespondService(responder, state, notes);
        log.println("bulwark respond: " + pbs.size() + " playbook(s) " + pbs.stream().map(Playbook::name).toList() + (dryRun ? ", DRY RUN" : "")
                + "; node commands to " + commandsWhere + "; " + String.join("; ", notes.subList(1, notes.size())));
    }

    RespondService service() {
        return service;
    }

    @Override
    public void accept(String event) {
        worker.submit(() -> handle(event));
    }

    JsonNode handle(String event) {
        try {
            JsonNode out = service.handle(event);
            if (out.has("rejected")) log.println("bulwark respond: rejected event: " + out.path("rejected").asText());
            for (JsonNode run : out.path("runs")) {
                for (JsonNode s : run.path("steps")) {
                    if (s.path("status").asText().equals("OTHER_PART")) continue;
                    log.println("bulwark respond: incident " + run.path("incident").asText() + " " + run.path("playbook").asText() + "/" + s.path("step").asText()
                            + " " + s.path("action").asText() + " " + s.path("status").asText() + ": " + s.path("message").asText());
                }
            }
            for (JsonNode s : out.path("released")) {
                log.println("bulwark respond: release " + out.path("incident").asText() + " " + s.path("step").asText() + " " + s.path("status").asText()
                        + ": " + s.path("message").asText());
            }
            return out;
        } catch (RuntimeException e) {
            log.println("bulwark respond: event failed: " + e);
            return null;
        }
    }

    @Override
    public void close() {
        worker.shutdown();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (kubernetes != null) kubernetes.close();
    }
}
