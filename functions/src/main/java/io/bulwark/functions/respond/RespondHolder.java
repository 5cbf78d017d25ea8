package io.bulwark.functions.respond;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The respond function's service, built once. When this zip runs as the respond function
 * ({@code QUARKUS_LAMBDA_HANDLER=respond}) it is built at start, so a missing setting or a bad playbook fails the
 * Lambda's init with file:line instead of the first event.
 */
@ApplicationScoped
public class RespondHolder {
    private static final Logger LOG = Logger.getLogger(RespondHolder.class);

    @Inject
    RespondConfig config;

    @Inject
    Instance<KubernetesClient> kubernetes;

    private volatile RespondService service;
    private S3Client s3;

    void onStart(@Observes StartupEvent start) {
        if ("respond".equals(ConfigProvider.getConfig().getOptionalValue("quarkus.lambda.handler", String.class).orElse(null))) {
            service();
        }
    }

    private synchronized S3Client s3() {
        if (s3 == null) s3 = RespondFactory.s3(config);
        return s3;
    }

    public RespondService service() {
        RespondService s = service;
        if (s != null) return s;
        synchronized (this) {
            if (service == null) {
                Supplier<S3Client> lazy = this::s3;
                var state = RespondFactory.state(config, lazy);
                service = RespondFactory.build(config, state, lazy, kubernetes::get, Clock.systemUTC());
                LOG.infof("respond: %d playbook(s) %s", service.responder().playbooks().size(),
                        service.responder().playbooks().stream().map(io.bulwark.response.Playbook::name).toList());
                service.notes().forEach(n -> LOG.infof("respond: %s", n));
            }
            return service;
        }
    }
}
