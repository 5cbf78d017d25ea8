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
        this(spoolRoot.resolve(id), id, time, true);
    }

    private Spool(Path dir, String id, String time, boolean unused) {
        this.dir = dir;
        this.id = id;
        this.time = time;
    }

    /**
     * A typical incident as io.bulwark.sensor.evidence.EvidenceCapture writes it: the full alert and
     * container, the process tree (offender, ancestry, processes with roles), the timeline (events and the
     * alert), /proc facts, the OCI config, a changed-files tar and its index.
     */
    public static Spool typical(Path root, String id, String time) {
        Spool s = new Spool(root, id, time);
        s.add("alert.json", Json.line(s.alert()), "application/json");
        s.add("container.json", Json.line(container()), "application/json");
        s.add("process-tree.json", """
                {"offender":4720,"container_init":4711,"ancestry":[4720,4711,4700,1],"processes":[
                 {"pid":4711,"ppid":4700,"comm":"sh","exe":"/bin/sh","argv":["sh","-c","sleep 1; nsenter -t 1 -m -u -i -n sh"],"in_container":true,"exited":false,"roles":["container-init","ancestor"]},
                 {"pid":4720,"ppid":4711,"comm":"nsenter","exe":"/usr/bin/nsenter","argv":["nsenter","-t","1","-m","-u","-i","-n","sh"],"in_container":true,"exited":false,"roles":["offender"]},
                 {"pid":4721,"ppid":4720,"comm":"sh","exe":"/bin/sh","argv":["sh"],"in_container":false,"exited":false,"roles":["child"]},
                 {"pid":4700,"ppid":1,"comm":"runc","exe":"/usr/bin/runc","argv":["runc","run","web"],"in_container":false,"exited":true,"roles":["ancestor"]}]}
                """, "application/json");
        s.add("timeline.jsonl", """
                {"time":"2026-12-07T01:59:58.100Z","kind":"event","syscall":"execve","args":{"filename":"/bin/touch"},"result":0,"pid":4715,"ppid":4711,"comm":"touch","exe":"/bin/touch","argv":["touch","/tmp/dropped"]}
                {"time":"2026-12-07T01:59:59.200Z","kind":"event","syscall":"openat","args":{"path":"/tmp/dropped","flags":"O_CREAT|O_WRONLY"},"result":3,"pid":4715,"comm":"touch","exe":"/bin/touch"}
                {"time":"2026-12-07T01:59:59.900Z","kind":"event","syscall":"setns","args":{"fd":3,"nstype":"CLONE_NEWNS"},"result":0,"pid":4720,"comm":"nsenter","exe":"/usr/bin/nsenter"}
                {"time":"2026-12-07T02:00:00.000Z","kind":"alert","alert":{"id":"alert-1","rule":"Namespace Entry Into Host","priority":"CRITICAL","vector":"ns-enter-host"},"pid":4720,"output":"setns into the host's namespaces by nsenter"}
                """, "application/x-ndjson");
        s.add("proc/4720/facts.json", "{\"pid\":4720,\"status\":\"Name:\\tnsenter\\nCapEff:\\t000001ffffffffff\\n\",\"exe_sha256\":\"" + "ab".repeat(32) + "\"}",
                "application/json");
        s.add("runtime/config.json", "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]}}", "application/json");
        byte[] tar = new byte[200_000];
        new java.util.Random(7).nextBytes(tar);
        s.add("changed-files.tar.gz", tar, "application/gzip");
        s.add("changed-files.json", "{\"source\":\"overlay upper\",\"files\":[{\"path\":\"/tmp/dropped\",\"size\":0}]}", "application/json");
        return s;
    }

    /** A later capture of this incident: DIR/ID/capture-N/. */
    public Spool capture(int n) {
        return new Spool(dir.resolve("capture-" + n), id, time, true);
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
        m.put("format", "bulwark-node-evidence/1");
        m.put("incident", id);
        m.put("part", dir.getFileName().toString().startsWith("capture-") ? dir.getFileName().toString() : "node");
        m.putObject("node").put("hostname", "node-a").put("kernel", "6.18.0");
        ObjectNode c = m.putObject("container");
        c.put("id", "c0ffee0123456789").put("name", "web").put("runtime", "runc").put("image", "registry.example/shop/web:1.4");
        c.putObject("k8s").put("namespace", "shop").put("pod", "web-7d9f").put("container_name", "web");
        m.putArray("alerts").addObject().put("id", "alert-" + id).put("time", time).put("rule", "Namespace Entry Into Host")
                .put("priority", "CRITICAL").put("vector", "ns-enter-host");
        m.put("reason", "playbook default: node.evidence");
        m.putObject("captured_by").put("producer", "bulwark-sensor").put("pid", 812).put("uid", 0).put("host", "node-a");
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
