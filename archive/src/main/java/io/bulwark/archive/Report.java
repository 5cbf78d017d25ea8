package io.bulwark.archive;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * The incident report: one self-contained HTML page (inline CSS, no script, no external fetch) with
 * the sections summary, root-cause, timeline, process-tree, actions, artifacts and custody, each an
 * element with that id. Printable; opens from a USB stick on an air-gapped machine.
 */
public final class Report {
    private Report() {}

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d232b;background:#f5f6f8}
            header{background:#1d232b;color:#fff;padding:18px 28px}
            header h1{margin:0;font-size:20px} header p{margin:4px 0 0;color:#b8c0cc;font-size:13px}
            main{max-width:1100px;margin:0 auto;padding:12px 28px 40px}
            section{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:16px 0;padding:14px 18px}
            h2{font-size:16px;margin:0 0 10px;border-bottom:1px solid #eef0f3;padding-bottom:6px}
            table{border-collapse:collapse;width:100%} th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid #eef0f3}
            th{color:#5b6573;font-weight:600;white-space:nowrap}
            code,pre,.mono{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
            pre{background:#f7f8fa;border:1px solid #eef0f3;padding:10px;overflow-x:auto;margin:0}
            .sev{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px;color:#fff;background:#6b7280}
            .EMERGENCY,.ALERT,.CRITICAL{background:#b42318} .ERROR{background:#c4320a} .WARNING{background:#b54708}
            tr.alert td{background:#fef3f2;font-weight:600} .off{color:#b42318;font-weight:600}
            .hash{word-break:break-all;color:#5b6573}
            footer{color:#5b6573;font-size:12px;text-align:center;margin-top:20px}
            @media print{body{background:#fff} section{break-inside:avoid;border-color:#ccc}}
            """;

    public static String html(IncidentView v, String where) {
        JsonNode s = v.summary;
        StringBuilder b = new StringBuilder(16_384);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Bulwark incident ").append(esc(s.path("id").asText()))
                .append("</title>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>").append(CSS).append("</style></head>\n<body>\n");
        b.append("<header><h1>Incident ").append(esc(s.path("id").asText())).append("</h1><p>")
                .append(esc(s.path("vector").asText("unknown vector"))).append(" on ").append(esc(s.path("node").asText("?")))
                .append(" at ").append(esc(s.path("time").asText())).append(" — archived at ").append(esc(where)).append("</p></header>\n<main>\n");

        b.append("<section id=\"summary\"><h2>Summary</h2><table>\n");
        row(b, "Incident", s.path("id").asText());
        row(b, "First alert", s.path("time").asText());
        b.append("<tr><th>Priority</th><td><span class=\"sev ").append(esc(s.path("priority").asText(""))).append("\">")
                .append(esc(s.path("priority").asText("?"))).append("</span> severity ").append(esc(s.path("severity").asText("?"))).append("</td></tr>\n");
        row(b, "Vector", String.join(", ", texts(s.path("vectors"))));
        row(b, "Rule", s.path("rule").asText(""));
        row(b, "Node", s.path("node").asText(""));
        JsonNode c = s.path("container");
        row(b, "Container", c.isObject() ? c.path("name").asText("") + " " + c.path("id").asText("") + " (" + c.path("runtime").asText("") + ")" : "host");
        row(b, "Image", c.path("image").asText(""));
        JsonNode k = s.path("k8s");
        row(b, "Pod", k.isObject() ? k.path("namespace").asText("") + "/" + k.path("pod").asText("") + " container " + k.path("container_name").asText("") : "not in Kubernetes");
        row(b, "Node action", s.path("action").asText("none recorded"));
        row(b, "Alerts / artifacts", s.path("alerts").asText() + " / " + v.incident.artifacts().size());
        b.append("</table></section>\n");

        b.append("<section id=\"root-cause\"><h2>Root cause</h2><table>\n");
        for (String[] r : v.rootCause) {
            row(b, r[0], r[1]);
        }
        b.append("</table></section>\n");

        b.append("<section id=\"timeline\"><h2>Timeline (").append(v.timeline.size()).append(" entries, the container's history before the alert)</h2>");
        if (v.timeline.isEmpty()) {
            b.append("<p>No timeline was captured.</p>");
        } else {
            b.append("<table class=\"mono\"><tr><th>Time (UTC)</th><th>What</th></tr>\n");
            for (JsonNode e : v.timeline) {
                b.append("<tr").append("alert".equals(e.path("kind").asText()) ? " class=\"alert\"" : "").append("><td>")
                        .append(esc(e.path("time").asText(""))).append("</td><td>").append(esc(IncidentView.describe(e))).append("</td></tr>\n");
            }
            b.append("</table>");
        }
        b.append("</section>\n");

        b.append("<section id=\"process-tree\"><h2>Process tree</h2>");
        if (v.processTree.isEmpty()) {
            b.append("<p>No process tree was captured.</p>");
        } else {
            b.append("<pre>");
            for (String l : v.processTree) {
                b.append(l.endsWith("<== offender") ? "<span class=\"off\">" + esc(l) + "</span>" : esc(l)).append('\n');
            }
            b.append("</pre>");
        }
        b.append("</section>\n");

        b.append("<section id=\"actions\"><h2>Actions taken</h2><table><tr><th>When</th><th>Action</th><th>By / detail</th></tr>\n");
        for (String[] a : v.actions) {
            b.append("<tr><td class=\"mono\">").append(esc(a[0])).append("</td><td>").append(esc(a[1])).append("</td><td>").append(esc(a[2])).append("</td></tr>\n");
        }
        b.append("</table></section>\n");

        b.append("<section id=\"artifacts\"><h2>Artifacts (SHA-256 as recorded in the signed manifest)</h2><table><tr><th>Name</th><th>Size</th><th>SHA-256</th><th>Producer</th><th>Captured</th></tr>\n");
        for (Manifest.Artifact a : v.incident.artifacts()) {
            b.append("<tr><td class=\"mono\">").append(esc(a.name())).append("</td><td>").append(a.size()).append("</td><td class=\"mono hash\">")
                    .append(esc(a.sha256())).append("</td><td>").append(esc(a.producer())).append("</td><td class=\"mono\">").append(esc(a.capturedAt()))
                    .append("</td></tr>\n");
        }
        b.append("</table></section>\n");

        b.append("<section id=\"custody\"><h2>Chain of custody</h2><table><tr><th>When</th><th>Who</th><th>What</th></tr>\n");
        for (Manifest.Custody cu : v.incident.custody()) {
            b.append("<tr><td class=\"mono\">").append(esc(cu.when())).append("</td><td>").append(esc(cu.who())).append("</td><td>").append(esc(cu.what()))
                    .append("</td></tr>\n");
        }
        b.append("</table><p>Manifest parts: ");
        for (Incidents.Part p : v.incident.parts()) {
            b.append("<code>").append(esc(p.key().substring(v.incident.prefix().length()))).append("</code> <span class=\"hash mono\">")
                    .append(p.sha256()).append("</span>; ");
        }
        b.append(v.incident.accessKeys().size()).append(" recorded accesses. Check with <code>bulwark archive verify ").append(esc(s.path("id").asText()))
                .append("</code>.</p></section>\n");
        b.append("</main><footer>Generated by bulwark archive report at ").append(Instant.now()).append("</footer>\n</body></html>\n");
        return b.toString();
    }

    private static java.util.List<String> texts(JsonNode arr) {
        java.util.List<String> out = new java.util.ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static void row(StringBuilder b, String k, String v) {
        b.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>\n");
    }
}
