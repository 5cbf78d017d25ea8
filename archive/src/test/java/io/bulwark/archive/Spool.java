package io.bulwark.archive;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes an evidence spool directory as DESIGN.md lays it out (DIR/ID/artifacts, DIR/ID/manifest.json
 * last, atomically), standing in for the node's capture in these tests.
 */
public final class Spool {
    public final Path dir;
    public final String id;
    public final String time;
    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private final Map<String, String> types = new LinkedHashMap<>();

    public Spool(Path spoolRoot, String id, String time) {
        this.dir = spoolRoot.resolve(id);
        this.id = id;
        this.time = time;
    }

    /** A typical incident: process tree, timeline, /proc facts, OCI config, a changed-files tar. */
    public static Spool typical(Path root, String id, String time) {
        Spool s = new Spool(root, id, time);
        s.add("process-tree.json", """
                {"pid":4711,"comm":"runc:[2:INIT]","exe":"/usr/bin/sh","cmdline":"sh -c nsenter -t 1 -m sh","children":[
                 {"pid":4720,"comm":"nsenter","exe":"/usr/bin/nsenter","cmdline":"nsenter -t 1 -m -u -i -n sh","offending":true,"children":[
                  {"pid":4721,"comm":"sh","exe":"/bin/sh","cmdline":"sh","children":[]}]}]}
                """, "application/json");
        s.add("timeline.jsonl", """
                {"time":"2026-12-07T01:59:58.100Z","pid":4711,"comm":"sh","event":"execve","detail":"/bin/sh -c touch /tmp/dropped"}
                {"time":"2026-12-07T01:59:59.200Z","pid":4711,"comm":"sh","event":"openat","detail":"/tmp/dropped O_CREAT"}
                {"time":"2026-12-07T02:00:00.000Z","pid":4720,"comm":"nsenter","event":"setns","detail":"target pid 1 mnt|uts|ipc|net","alert":true}
                """, "application/x-ndjson");
        s.add("proc/4720/status", "Name:\tnsenter\nPid:\t4720\nCapEff:\t000001ffffffffff\n", "text/plain");
        s.add("oci-config.json", "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]}}", "application/json");
        byte[] tar = new byte[200_000];
        new java.util.Random(7).nextBytes(tar);
        s.add("changed-files.tar.gz", tar, "application/gzip");
        return s;
    }

    public Spool add(String name, String text, String type) {
        return add(name, text.getBytes(StandardCharsets.UTF_8), type);
    }

    public Spool add(String name, byte[] data, String type) {
        files.put(name, data);
        types.put(name, type);
        return this;
    }

    public ObjectNode alert() {
        ObjectNode a = Json.mapper().createObjectNode();
        a.put("id", "alert-" + id);
        a.put("time", time);
        a.put("rule", "Namespace Entry Into Host");
        a.put("priority", "CRITICAL");
        a.put("severity", 8.0);
        a.put("vector", "ns-enter-host");
        a.putArray("mitre").add("T1611");
        a.put("output", "setns into the host's namespaces by nsenter (pid 4720) in container c0ffee");
        ObjectNode p = a.putObject("process");
        p.put("pid", 4720);
        p.put("name", "nsenter");
        p.put("exe", "/usr/bin/nsenter");
        p.put("cmdline", "nsenter -t 1 -m -u -i -n sh");
        a.set("container", container());
        ObjectNode k = a.putObject("k8s");
        k.put("namespace", "shop");
        k.put("pod", "web-7d9f");
        k.put("container_name", "web");
        a.putObject("node").put("hostname", "node-a");
        ObjectNode sy = a.putObject("syscall");
        sy.put("name", "setns");
        a.putObject("sensor").put("action", "frozen").put("incident", id).put("mode", "enforce");
        return a;
    }

    static ObjectNode container() {
        ObjectNode c = Json.mapper().createObjectNode();
        c.put("id", "c0ffee0123456789");
        c.put("name", "web");
        c.put("runtime", "runc");
        c.put("image", "registry.example/shop/web:1.4");
        c.put("privileged", true);
        c.putArray("capabilities").add("CAP_SYS_ADMIN").add("CAP_SYS_PTRACE");
        c.putArray("host_namespaces").add("pid");
        ArrayNode m = c.putArray("mounts");
        m.addObject().put("source", "/run/containerd/containerd.sock").put("destination", "/run/containerd/containerd.sock").put("type", "bind");
        c.put("seccomp", false);
        return c;
    }

    /** Writes the artifacts, then manifest.json through a temporary file and a rename. */
    public Spool write() throws IOException {
        Files.createDirectories(dir);
        ObjectNode m = Json.mapper().createObjectNode();
        m.put("incident", id);
        m.putObject("node").put("hostname", "node-a").put("kernel", "6.18.0");
        m.set("container", container());
        m.putArray("alerts").add(alert());
        m.put("capture_started", time);
        m.put("capture_finished", time.replace("00.000Z", "01.500Z"));
        ArrayNode arts = m.putArray("artifacts");
        for (var e : files.entrySet()) {
            Path f = dir.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
            arts.addObject().put("name", e.getKey()).put("size", e.getValue().length).put("sha256", Hashes.hex(e.getValue()))
                    .put("producer", "node-sensor").put("captured_at", time).put("content_type", types.get(e.getKey()));
        }
        Path tmp = dir.resolve(".manifest.json.tmp");
        Files.writeString(tmp, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(m));
        Files.move(tmp, dir.resolve("manifest.json"), StandardCopyOption.ATOMIC_MOVE);
        return this;
    }
}
