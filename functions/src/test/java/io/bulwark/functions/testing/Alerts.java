package io.bulwark.functions.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import java.time.Instant;
import java.util.List;

/**
 * Bulwark alert envelopes as the sensor sends them (valid against alert.schema.json), and SQS events
 * as Lambda delivers a batch of them.
 */
public final class Alerts {
    private Alerts() {}

    /** An ordinary runc container (default capabilities, seccomp on, no host namespaces). */
    public static ObjectNode alert(String id, String node, String containerId, Instant time, String rule, String vector) {
        ObjectNode e = Json.mapper().createObjectNode();
        e.put("version", "0").put("id", id).put("detail-type", "Container Escape Alert").put("source", "bulwark.sensor");
        e.putNull("account");
        e.put("time", time.toString());
        e.putNull("region");
        e.putArray("resources").add("node/" + node).add("container/" + containerId);
        ObjectNode d = e.putObject("detail");
        d.put("id", id).put("time", time.toString()).put("rule", rule).put("priority", "CRITICAL").put("severity", 8.0).put("vector", vector);
        d.putArray("mitre").add("T1611");
        d.putArray("tags").add("container").add("vector:" + vector);
        d.put("output", rule + " (container " + containerId + ")");
        d.putObject("output_fields").put("container.id", containerId);
        d.put("count", 1);
        ObjectNode p = d.putObject("process");
        p.put("pid", 4242).put("tid", 4242).put("ppid", 4200).put("vpid", 7).put("uid", 0).put("gid", 0).put("comm", "sh").put("exe", "/bin/sh")
                .put("cmdline", "sh -c id").put("cap_effective", 0xa80425fbL).put("cap_permitted", 0xa80425fbL);
        p.putObject("ns").put("mnt", 4026532001L).put("pid", 4026532002L);
        p.putArray("ancestors").addObject().put("pid", 4200).put("comm", "runc").put("exe", "/usr/bin/runc").put("cmdline", "runc init");
        ObjectNode c = d.putObject("container");
        c.put("id", containerId).put("name", "web-" + containerId.substring(0, 4)).put("runtime", "runc").put("image", "registry.example.com/web:1.0")
                .put("pid", 4200).put("status", "running").put("privileged", false).put("user", 0).put("seccomp", true).put("no_new_privileges", false);
        c.putArray("capabilities").add("CAP_CHOWN").add("CAP_SETUID").add("CAP_NET_BIND_SERVICE");
        c.putArray("mounts").addObject().put("source", "proc").put("destination", "/proc").put("type", "proc");
        c.putArray("host_namespaces");
        c.putArray("masked_paths").add("/proc/kcore");
        c.putArray("readonly_paths").add("/proc/sys");
        c.putArray("devices");
        c.putNull("k8s");
        d.putNull("k8s");
        d.putObject("node").put("hostname", node).putNull("instance_id").put("kernel", "6.18.44");
        d.putObject("syscall").put("name", "openat").put("result", -13).put("errno", "EACCES").putObject("args").put("path", "/proc/sys/kernel/core_pattern");
        d.putObject("sensor").put("version", "0.1.0").put("mode", "local").put("action", "none").putNull("incident");
        return e;
    }

    /** Makes the alert's container privileged with /var/run/docker.sock bind-mounted, on a node with runc {@code runc}. */
    public static ObjectNode privilegedWithDockerSock(ObjectNode e, String runc) {
        ObjectNode d = (ObjectNode) e.get("detail");
        ObjectNode c = (ObjectNode) d.get("container");
        c.put("privileged", true).put("seccomp", false);
        ArrayNode caps = c.putArray("capabilities");
        io.bulwark.contract.Capabilities.all().forEach(caps::add);
        ((ArrayNode) c.get("mounts")).addObject().put("source", "/var/run/docker.sock").put("destination", "/var/run/docker.sock").put("type", "bind")
                .putArray("options").add("rbind").add("rw");
        ((ObjectNode) d.get("node")).putObject("runtimes").put("runc", runc);
        return e;
    }

    public static ObjectNode withK8s(ObjectNode e, String namespace, String pod, String container) {
        ObjectNode k = ((ObjectNode) e.get("detail")).putObject("k8s");
        k.put("namespace", namespace).put("pod", pod).putNull("pod_uid").put("container_name", container);
        return e;
    }

    /** An SQS event (Lambda's event source mapping) with one record per body; message ids m-0, m-1 … */
    public static String sqsEvent(List<String> bodies) {
        ObjectNode ev = Json.mapper().createObjectNode();
        ArrayNode records = ev.putArray("Records");
        for (int i = 0; i < bodies.size(); i++) {
            ObjectNode r = records.addObject();
            r.put("messageId", "m-" + i).put("receiptHandle", "rh-" + i).put("body", bodies.get(i)).put("md5OfBody", "")
                    .put("eventSource", "aws:sqs").put("eventSourceARN", "arn:aws:sqs:us-east-1:000000000000:bulwark-alerts").put("awsRegion", "us-east-1");
            r.putObject("attributes").put("ApproximateReceiveCount", "1");
            r.putObject("messageAttributes");
        }
        return ev.toString();
    }
}
