package io.bulwark.functions.respond;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A hand-written HTTP server on 127.0.0.1 for services that have no emulator here (EC2, IAM and SNS Query APIs,
 * Slack webhooks, PagerDuty Events v2). It records every request (path, headers, body, form parameters) and
 * answers what {@code answer} says, in the service's own wire format, so the real AWS SDK and HTTP client parse it.
 */
final class FakeHttp implements AutoCloseable {
    /** One request as received. */
    record Request(String method, String path, Map<String, String> form, String body, String contentType) {
        String action() {
            return form.get("Action");
        }
    }

    /** An answer: status and body. */
    record Answer(int status, String contentType, String body) {
        static Answer xml(String body) {
            return new Answer(200, "text/xml", body);
        }
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    FakeHttp(Function<Request, Answer> answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String ct = ex.getRequestHeaders().getFirst("Content-Type");
            Map<String, String> form = new LinkedHashMap<>();
            if (ct != null && ct.startsWith("application/x-www-form-urlencoded")) {
                for (String kv : body.split("&")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0) form.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            Request r = new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), form, body, ct);
            requests.add(r);
            Answer a = answer.apply(r);
            byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", a.contentType());
            ex.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<String> actions() {
        return requests.stream().map(Request::action).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
