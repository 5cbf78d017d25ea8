package io.bulwark.functions.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token file is sent as a bearer token and re-read per request (rotation), against a local HTTP API stand-in. */
@Tag("servers")
class KubernetesClientsTest {

    @Test
    void bearerTokenComesFromTheFileAndFollowsItsRotation(@TempDir Path dir) throws Exception {
        List<String> auth = new CopyOnWriteArrayList<>();
        HttpServer api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/", ex -> {
            try (ex) {
                auth.add(ex.getRequestHeaders().getFirst("Authorization"));
                byte[] body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}".getBytes();
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(404, body.length);
                ex.getResponseBody().write(body);
            }
        });
        api.start();
        Path token = dir.resolve("token");
        Files.writeString(token, "first-token\n");
        try (KubernetesClient k8s = KubernetesClients.build(Optional.of("http://127.0.0.1:" + api.getAddress().getPort()),
                Optional.of(token.toString()), Optional.empty(), false, Duration.ofSeconds(5), Duration.ofSeconds(3))) {
            assertNull(k8s.pods().inNamespace("ci").withName("gone").get());
            Files.writeString(token, "second-token\n");
            assertNull(k8s.pods().inNamespace("ci").withName("gone").get());
        } finally {
            api.stop(0);
        }
        assertEquals(List.of("Bearer first-token", "Bearer second-token"), auth);
    }
}
