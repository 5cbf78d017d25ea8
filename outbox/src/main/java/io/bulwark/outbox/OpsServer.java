package io.bulwark.outbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The operator's endpoints of a Bulwark process, on the loopback interface only: {@code /metrics}
 * (Prometheus text format 0.0.4), {@code /health/live} and {@code /health/ready} (200 or 503, for a
 * DaemonSet's probes). The JDK's own HTTP server on one thread: no framework, ≈1 MiB.
 */
public final class OpsServer implements AutoCloseable {
    private final HttpServer server;

    /**
     * @param metrics writes the metrics text into the builder it is given
     */
    public OpsServer(int port, Consumer<Metrics> metrics, BooleanSupplier live, BooleanSupplier ready) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        server.createContext("/metrics", ex -> {
            Metrics m = new Metrics();
            try {
                metrics.accept(m);
                send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", m.toString());
            } catch (RuntimeException e) {
                send(ex, 500, "text/plain; charset=utf-8", "metrics failed: " + e + "\n");
            }
        });
        server.createContext("/health/live", ex -> health(ex, live));
        server.createContext("/health/ready", ex -> health(ex, ready));
        server.setExecutor(null);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void health(HttpExchange ex, BooleanSupplier check) throws IOException {
        boolean ok;
        try {
            ok = check.getAsBoolean();
        } catch (RuntimeException e) {
            ok = false;
        }
        send(ex, ok ? 200 : 503, "application/json", ok ? "{\"status\":\"UP\"}\n" : "{\"status\":\"DOWN\"}\n");
    }

    /** Sends a whole response: status, content type, UTF-8 body. */
    public static void send(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** A Prometheus text exposition being written: HELP and TYPE once per name, then samples. */
    public static final class Metrics {
        private final StringBuilder sb = new StringBuilder(2048);
        private final java.util.Set<String> declared = new java.util.HashSet<>();

        public Metrics counter(String name, String help, double value, String... labels) {
            return sample(name, "counter", help, value, labels);
        }

        public Metrics gauge(String name, String help, double value, String... labels) {
            return sample(name, "gauge", help, value, labels);
        }

        /** {@code labels}: name, value, name, value … */
        public Metrics sample(String name, String type, String help, double value, String... labels) {
            String family = name;
            if (type.equals("histogram")) {
                family = name.replaceFirst("_(bucket|count|sum)$", "");
            }
            if (declared.add(family)) {
                sb.append("# HELP ").append(family).append(' ').append(help).append('\n');
                sb.append("# TYPE ").append(family).append(' ').append(type).append('\n');
            }
            sb.append(name);
            if (labels.length > 0) {
                sb.append('{');
                for (int i = 0; i + 1 < labels.length; i += 2) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    sb.append(labels[i]).append("=\"").append(labels[i + 1].replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
                }
                sb.append('}');
            }
            sb.append(' ');
            if (value == Math.rint(value) && Math.abs(value) < 1e15) {
                sb.append((long) value);
            } else {
                sb.append(value);
            }
            sb.append('\n');
            return this;
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
