package io.bulwark.functions.respond;

import io.bulwark.functions.respond.act.RespondExecutors;
import io.bulwark.functions.respond.act.k8s.ArchiveEvidenceCheck;
import io.bulwark.functions.respond.act.k8s.EvidenceCheck;
import io.bulwark.functions.respond.act.node.CommandChannel;
import io.bulwark.functions.respond.act.node.SpoolCommandChannel;
import io.bulwark.functions.respond.act.node.SqsCommandChannel;
import io.bulwark.functions.respond.act.notify.Secrets;
import io.bulwark.functions.respond.state.S3ResponseState;
import io.bulwark.response.Guardrails;
import io.bulwark.response.Playbook;
import io.bulwark.response.PlaybookLoader;
import io.bulwark.response.Responder;
import io.bulwark.response.state.FileResponseState;
import io.bulwark.response.state.ResponseState;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the respond function's parts from {@link RespondConfig}: the playbooks (a problem in a playbook stops the
 * function from starting, with file:line), the state (S3 conditional writes, or files locally), the executors this
 * environment has. Plain Java: the Lambda handler and the local stack both use it.
 */
public final class RespondFactory {
    private RespondFactory() {}

    public static List<Playbook> playbooks(RespondConfig c) {
        List<Playbook> all = new ArrayList<>();
        if (c.defaultPlaybooks()) all.addAll(PlaybookLoader.defaultRespondPlaybooks());
        if (c.playbooks().isPresent() && !c.playbooks().get().isEmpty()) {
            PlaybookLoader.Result r = PlaybookLoader.standard().load(c.playbooks().get());
            all.addAll(r.orThrow());
        }
        return all;
    }

    public static ResponseState state(RespondConfig c, Supplier<S3Client> s3) {
        if (c.stateDir().isPresent()) return new FileResponseState(c.stateDir().get());
        String bucket = c.bucket().orElseThrow(() -> new IllegalStateException(
                "bulwark.respond.bucket (BULWARK_RESPOND_BUCKET) or bulwark.respond.state-dir is required: where the response state lives"));
        return new S3ResponseState(s3.get(), bucket, c.statePrefix());
    }

    private static <B extends AwsClientBuilder<B, ?>> B configure(B b, RespondConfig c, Optional<URI> endpoint, boolean global) {
        if (global) b.region(Region.AWS_GLOBAL);
        else c.region().ifPresent(r -> b.region(Region.of(r)));
        endpoint.ifPresent(b::endpointOverride);
        b.overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(c.callTimeout()).build());
        return b;
    }

    /** The S3 client of the state, the evidence check and s3:// exports. */
    public static S3Client s3(RespondConfig c) {
        var b = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder()).forcePathStyle(c.s3PathStyle())
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(c.callTimeout()).build());
        c.region().ifPresent(r -> b.region(Region.of(r)));
        c.s3Endpoint().ifPresent(e -> {
            b.endpointOverride(e);
            b.requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED);
        });
        return b.build();
    }

    /**
     * Secret references: env:NAME always; Secrets Manager ARNs and ssm:/ names when {@code secrets-enabled}, through
     * clients made on the first such reference (a function whose playbooks use none never makes them).
     */
    public static Secrets secrets(RespondConfig c) {
        if (!c.secretsEnabled()) return Secrets.fromEnvironment();
        Supplier<software.amazon.awssdk.services.secretsmanager.SecretsManagerClient> sm = memo(() -> configure(
                software.amazon.awssdk.services.secretsmanager.SecretsManagerClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()),
                c, c.secretsmanagerEndpoint(), false).build());
        Supplier<software.amazon.awssdk.services.ssm.SsmClient> ssm = memo(() -> configure(
                software.amazon.awssdk.services.ssm.SsmClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()),
                c, c.ssmEndpoint(), false).build());
        return Secrets.withAws(System::getenv, sm, ssm, Clock.systemUTC());
    }

    private static <T> Supplier<T> memo(Supplier<T> s) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) value = s.get();
                return value;
            }
        };
    }

    /** The service, with notes about what is configured (logged at start). */
    public static RespondService build(RespondConfig c, ResponseState state, Supplier<S3Client> s3, Supplier<KubernetesClient> kubernetes, Clock clock) {
        List<String> notes = new ArrayList<>();
        CommandChannel commands = null;
        Ec2Client ec2 = null;
        IamClient iam = null;
        SnsClient sns = null;
        if (c.commandsDir().isPresent()) {
            commands = new SpoolCommandChannel(c.commandsDir().get());
        } else if (c.commandsQueueUrl().isPresent()) {
            try {
                SqsClient sqs = configure(SqsClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()), c, c.sqsEndpoint(), false).build();
                commands = new SqsCommandChannel(sqs, c.commandsQueueUrl().get());
            } catch (RuntimeException e) {
                notes.add("node.*: not configured: " + e.getMessage());
            }
        }
        if (c.awsEnabled()) {
            try {
                ec2 = configure(Ec2Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder()), c, c.ec2Endpoint(), false).build();
                iam = configure(IamClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()), c, c.iamEndpoint(), true).build();
                sns = configure(SnsClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()), c, c.snsEndpoint(), false).build();
            } catch (RuntimeException e) {
                notes.add("ec2.*/iam.*/notify.sns: not configured: " + e.getMessage());
                ec2 = null;
                iam = null;
                sns = null;
            }
        }
        KubernetesClient k8s = null;
        if (c.kubernetesEnabled()) {
            try {
                k8s = kubernetes.get();
            } catch (RuntimeException e) {
                notes.add("k8s.*: not configured: " + e.getMessage());
            }
        }
        EvidenceCheck evidence = null;
        if (c.archiveBucket().isPresent()) evidence = ArchiveEvidenceCheck.s3(s3.get(), c.archiveBucket().get());
        else if (c.evidenceDirs().isPresent()) evidence = ArchiveEvidenceCheck.directories(c.evidenceDirs().get());
        S3Client s3ForExport = null;
        try {
            s3ForExport = c.bucket().isPresent() || c.archiveBucket().isPresent() ? s3.get() : null;
        } catch (RuntimeException e) {
            notes.add("siem.ocsf s3:// destinations: not configured: " + e.getMessage());
        }
        RespondExecutors ex = new RespondExecutors(c.principal(), commands, k8s, new HashSet<>(c.protectedNamespaces()), evidence, ec2, iam, sns,
                c.incidentTopicArn().orElse(null), secrets(c), c.pagerdutyEndpoint().orElse(null), s3ForExport,
                incident -> RespondService.nodeOf(state, incident));
        notes.addAll(0, ex.notes());
        Responder.Part part = switch (c.part().toLowerCase(java.util.Locale.ROOT)) {
            case "all" -> Responder.Part.ALL;
            case "rest" -> Responder.Part.REST;
            default -> throw new IllegalArgumentException("bulwark.respond.part must be rest or all, not " + c.part());
        };
        Responder.Options opts = new Responder.Options(part, c.dryRun(), c.principal(),
                new Guardrails.RateLimit(c.globalLimitCount(), c.globalLimitWindow()));
        Responder responder = new Responder(playbooks(c), ex.build(), state, clock, opts);
        return new RespondService(responder, state, notes);
    }
}
