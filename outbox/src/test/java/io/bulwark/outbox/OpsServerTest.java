package io.bulwark.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What a DaemonSet's probes and Prometheus read: text format with HELP/TYPE once per family, 200/503 health. */
class OpsServerTest {
    static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsInPrometheusTextAndHealthThatFollowsTheProcess() throws Exception {
        AtomicBoolean ready = new AtomicBoolean(false);
        try (OpsServer s = new OpsServer(0, m -> {
            m.counter("bulwark_x_total", "Things", 3, "target", "sqs");
            m.counter("bulwark_x_total", "Things", 4, "target", "eventbridge");
            m.sample("bulwark_lat_seconds_bucket", "histogram", "Latency", 2, "le", "0.1");
            m.sample("bulwark_lat_seconds_count", "histogram", "Latency", 2);
            m.gauge("bulwark_age_seconds", "Age", 1.5);
        }, () -> true, ready::get)) {
            HttpResponse<String> r = get(s.port(), "/metrics");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            assertEquals("""
                    # HELP bulwark_x_total Things
                    # TYPE bulwark_x_total counter
                    bulwark_x_total{target="sqs"} 3
                    bulwark_x_total{target="eventbridge"} 4
                    # HELP bulwark_lat_seconds Latency
                    # TYPE bulwark_lat_seconds histogram
                    bulwark_lat_seconds_bucket{le="0.1"} 2
                    bulwark_lat_seconds_count 2
                    # HELP bulwark_age_seconds Age
                    # TYPE bulwark_age_seconds gauge
                    bulwark_age_seconds 1.5
                    """, r.body());
            assertEquals(200, get(s.port(), "/health/live").statusCode());
            assertEquals(503, get(s.port(), "/health/ready").statusCode());
            ready.set(true);
            assertEquals(200, get(s.port(), "/health/ready").statusCode());
            assertEquals("{\"status\":\"UP\"}\n", get(s.port(), "/health/ready").body());
        }
    }
}
