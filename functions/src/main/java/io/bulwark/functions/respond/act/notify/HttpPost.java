package io.bulwark.functions.respond.act.notify;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A JSON POST with a timeout; errors name the host, never the URL (webhook URLs are secrets). */
final class HttpPost {
    private HttpPost() {}

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Answer(int status, String body) {}

    static Answer json(String url, String body) throws Exception {
        URI u = URI.create(url);
        HttpRequest req = HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> r = CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (java.io.IOException e) {
            throw new java.io.IOException("POST to " + u.getHost() + " failed: " + e.getClass().getSimpleName(), null);
        }
    }

    static String clip(String s) {
        if (s == null) return "";
        s = s.replaceAll("\\s+", " ");
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
