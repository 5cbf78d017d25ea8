package io.bulwark.functions.reaper;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import io.bulwark.contract.StableId;
import io.bulwark.functions.aws.KubernetesConfig;
import io.bulwark.functions.bus.FindingBus;
import io.bulwark.functions.snapshot.SnapshotBeans;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.Ec2ClientBuilder;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Lambda entry point (QUARKUS_LAMBDA_HANDLER=node-queue-reaper; the target of an hourly EventBridge schedule,
 * whose event it ignores). One run of {@link NodeQueueReaper}; answers its {@link NodeQueueReaper.Result}. Every
 * decision is a JSON line in the function's log; a deletion (or, in dry run, a would-be deletion) is also a
 * {@code Bulwark Queue Reaped} event ({@code source: bulwark.reaper}) on the bus, put before the queue is deleted:
 * when the bus refuses it, the queue stays. With {@code bulwark.reaper.sensor-namespace} set, the sensor's pods are
 * asked of the shared Kubernetes client ({@code bulwark.kubernetes.*}, EKS tokens from the function's role: its
 * access entry's group may only get pods in that namespace).
 */
@Named("node-queue-reaper")
public class NodeQueueReaperLambda implements RequestStreamHandler {
    static final String SOURCE = "bulwark.reaper";
    static final String DETAIL_TYPE = "Bulwark Queue Reaped";

    @Inject
    ReaperConfig config;

    @Inject
    SqsClient sqs;

    @Inject
    FindingBus bus;

    @Inject
    KubernetesConfig kubernetesConfig;

    @Inject
    Instance<KubernetesClient> kubernetes;

    private Ec2Client ec2;

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        input.readAllBytes(); // the schedule's event says nothing more than "now"
        NodeQueueReaper.Settings s = new NodeQueueReaper.Settings(config.queuePrefix().orElse(null),
                new HashSet<>(config.keepQueues().orElse(List.of())), config.minAge(), config.maxDeletions(), config.dryRun(),
                config.sensorNamespace().orElse(null), config.sensorDaemonset());
        KubernetesClient k8s = null;
        String k8sMissing = null;
        if (s.sensorNamespace() != null) {
            if (!kubernetesConfig.enabled()) {
                k8sMissing = "the Kubernetes API is off (bulwark.kubernetes.enabled=false)";
            } else if (!kubernetes.isResolvable()) {
                k8sMissing = "no Kubernetes client";
            } else {
                k8s = kubernetes.get();
                k8sMissing = kubernetesConfig.apiUrl().isPresent() ? null : SnapshotBeans.unconfigured(k8s);
                if (k8sMissing != null) {
                    k8s = null;
                }
            }
        }
        NodeQueueReaper.Result r = new NodeQueueReaper(sqs, ec2(), k8s, k8sMissing, s, Clock.systemUTC(), audit(bus, System.out)).run();
        output.write(Json.line(r).getBytes(StandardCharsets.UTF_8));
    }

    private synchronized Ec2Client ec2() {
        if (ec2 == null) {
            Ec2ClientBuilder b = Ec2Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder())
                    .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(config.callTimeout()).build());
            config.region().ifPresent(r -> b.region(Region.of(r)));
            config.ec2Endpoint().ifPresent(b::endpointOverride);
            ec2 = b.build();
        }
        return ec2;
    }

    /**
     * The audit: a JSON line per decision on {@code log}; for a deletion or a would-be deletion, first the bus event
     * (a refusal throws, which keeps the queue).
     */
    public static NodeQueueReaper.Audit audit(FindingBus bus, PrintStream log) {
        return d -> {
            ObjectNode detail = Json.mapper().createObjectNode();
            detail.put("queue", d.queue());
            detail.put("queue_url", d.queueUrl());
            detail.put("node", d.node());
            detail.put("instance", d.instance());
            detail.put("action", d.action().name().toLowerCase());
            detail.put("reason", d.reason());
            detail.put("at", d.at());
            detail.put("principal", "node-queue-reaper");
            if (d.action() == NodeQueueReaper.Action.DELETED || d.action() == NodeQueueReaper.Action.WOULD_DELETE) {
                String id = StableId.of("queue-reaped", d.queue(), d.at());
                ObjectNode envelope = Json.mapper().createObjectNode();
                envelope.put("id", id);
                envelope.put("source", SOURCE);
                envelope.put("detail-type", DETAIL_TYPE);
                envelope.put("time", d.at());
                envelope.putArray("resources").add(d.queueUrl());
                envelope.set("detail", detail);
                FindingBus.Delivery delivery = bus.publishEntries(List.of(new FindingBus.Entry(id, SOURCE, DETAIL_TYPE, d.at(),
                        List.of(d.queueUrl()), Json.line(detail), Json.line(envelope)))).get(0);
                if (!delivery.sent()) {
                    throw new IOException("the bus (" + bus.name() + ") refused the audit event: " + delivery.error());
                }
                detail.put("audit_event", delivery.eventId());
            }
            log.println(Json.line(detail));
        };
    }
}
