package io.bulwark.functions.triage;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.Json;
import io.bulwark.contract.Priority;
import io.bulwark.contract.StableId;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns the three inputs into one {@link Signal} (docs/triage.md, "Normalisation"):
 * <ul>
 *   <li>Bulwark alert envelopes ({@code source: bulwark.sensor}, {@code detail-type: Container Escape Alert}),
 *       whole or as the shipper's oversized pointer;</li>
 *   <li>Falco's JSON output as falcosidekick puts it on SQS ({@code output}, {@code priority}, {@code rule},
 *       {@code time}, {@code output_fields}, {@code hostname}, {@code tags}, {@code source});</li>
 *   <li>GuardDuty findings as EventBridge delivers them ({@code source: aws.guardduty},
 *       {@code detail-type: GuardDuty Finding}), Runtime Monitoring's {@code resource} and
 *       {@code service.runtimeDetails}.</li>
 * </ul>
 * Anything else, or one of these without what triage needs, is a {@link PoisonMessageException}.
 */
public final class Normaliser {
    /** Bulwark's synthetic test alert ({@code ./bulwark test-alert}): acknowledged, never an incident. */
    public static final String TEST_RULE = "Bulwark Test Alert";

    /** Other detail types the sensor ships through the alerts queue: acknowledged without an incident. */
    static final java.util.Set<String> NOT_FOR_TRIAGE = java.util.Set.of("Escape Surface Report", "Bulwark Action");
    private static final Pattern TECHNIQUE = Pattern.compile("^T[0-9]{4}(\\.[0-9]{3})?$");

    /** Falco's stock rules that name an escape vector (escape-vectors.md ids). */
    static final Map<String, String> FALCO_VECTORS = Map.ofEntries(
            Map.entry("Launch Privileged Container", "privileged-container"),
            Map.entry("Launch Excessively Capable Container", "excessive-capabilities"),
            Map.entry("Launch Sensitive Mount Container", "sensitive-mount"),
            Map.entry("Mount Launched in Privileged Container", "host-device-mount"),
            Map.entry("Debugfs Launched in Privileged Container", "raw-device-access"),
            Map.entry("Detect release_agent File Container Escapes", "cgroup-release-agent"),
            Map.entry("Change namespace privileges via unshare", "userns-create"),
            Map.entry("PTRACE attached to process", "ptrace-attach"),
            Map.entry("PTRACE anti-debug attempt", "ptrace-attach"),
            Map.entry("Linux Kernel Module Injection Detected", "kernel-module"),
            Map.entry("Create Symlink Over Sensitive Files", "host-file-write"),
            Map.entry("Contact K8S API Server From Container", "k8s-api-abuse"),
            Map.entry("Contact EC2 Instance Metadata Service From Container", "cloud-metadata"),
            Map.entry("Redirect STDOUT/STDIN to Network Connection in Container", "reverse-shell"),
            Map.entry("Drop and execute new binary in container", "drift-exec"),
            Map.entry("Fileless execution via memfd_create", "fileless-exec"),
            Map.entry("Packet socket created in container", "packet-socket"),
            Map.entry("Read sensitive file untrusted", "credential-theft"),
            Map.entry("Detect outbound connections to common miner pool ports", "reverse-shell"));

    /** GuardDuty Runtime Monitoring finding types that name an escape vector. */
    static final Map<String, String> GUARDDUTY_VECTORS = Map.ofEntries(
            Map.entry("PrivilegeEscalation:Runtime/DockerSocketAccessed", "runtime-socket"),
            Map.entry("PrivilegeEscalation:Runtime/RuncContainerEscape", "runc-exe-overwrite"),
            Map.entry("PrivilegeEscalation:Runtime/CGroupsReleaseAgentModified", "cgroup-release-agent"),
            Map.entry("PrivilegeEscalation:Runtime/ContainerMountsHostDirectory", "host-device-mount"),
            Map.entry("PrivilegeEscalation:Runtime/UserfaultfdUsage", "userfaultfd"),
            Map.entry("PrivilegeEscalation:Runtime/ElevationToRoot", "in-container-privesc"),
            Map.entry("DefenseEvasion:Runtime/ProcessInjection.Ptrace", "ptrace-attach"),
            Map.entry("DefenseEvasion:Runtime/ProcessInjection.VirtualMemoryWrite", "process-vm-write"),
            Map.entry("DefenseEvasion:Runtime/ProcessInjection.Proc", "proc-mem-write"),
            Map.entry("DefenseEvasion:Runtime/FilelessExecution", "fileless-exec"),
            Map.entry("DefenseEvasion:Runtime/KernelModuleLoaded", "kernel-module"),
            Map.entry("Execution:Runtime/NewBinaryExecuted", "drift-exec"),
            Map.entry("Execution:Runtime/ReverseShell", "reverse-shell"),
            Map.entry("Execution:Runtime/ContainerEscape", "ns-enter-host"));

    private Normaliser() {}

    /** The message body → a signal; null for Bulwark's test alert (acknowledged, nothing to triage). */
    public static Signal normalise(String body) {
        JsonNode n;
        try {
            n = Json.mapper().readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new PoisonMessageException("not JSON at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr()
                    + ": " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new PoisonMessageException("not JSON: " + firstLine(e.getMessage()));
        }
        if (n == null || !n.isObject()) {
            throw new PoisonMessageException("not a JSON object");
        }
        String source = n.path("source").asText("");
        String detailType = n.path("detail-type").asText("");
        if (AlertEnvelope.SOURCE.equals(source) && AlertEnvelope.DETAIL_TYPE.equals(detailType)) {
            return bulwark(n.path("detail"));
        }
        if (AlertEnvelope.SOURCE.equals(source) && NOT_FOR_TRIAGE.contains(detailType)) {
            // the shipper delivers everything the sensor writes to its outbox; audit reports are the audit
            // function's (through EventBridge) and action records already reached the incident as the
            // alert's sensor.action: acknowledged, not poison
            return null;
        }
        if ("aws.guardduty".equals(source) && "GuardDuty Finding".equals(detailType)) {
            return guardDuty(n);
        }
        if (n.has("rule") && n.has("priority") && n.has("output") && !n.has("detail-type")) {
            return falco(n);
        }
        throw new PoisonMessageException("unknown message shape: neither a Bulwark alert (source bulwark.sensor, detail-type "
                + "Container Escape Alert), a GuardDuty finding (source aws.guardduty) nor Falco output (rule, priority, output); "
                + (source.isEmpty() ? "no source" : "source '" + source + "'") + (detailType.isEmpty() ? "" : ", detail-type '" + detailType + "'"));
    }

    static Signal bulwark(JsonNode d) {
        String id = required(d, "id", "Bulwark alert");
        if (TEST_RULE.equals(d.path("rule").asText())) {
            return null;
        }
        Instant time = time(d, "time", "Bulwark alert");
        String rule = required(d, "rule", "Bulwark alert");
        Priority priority = priority(d.path("priority").asText(null), "Bulwark alert");
        double severity = d.path("severity").isNumber() ? d.path("severity").asDouble() : priority.severity();
        JsonNode node = d.path("node");
        ContainerInfo container = null;
        JsonNode c = d.path("container");
        if (c.isObject() && c.has("privileged")) {
            try {
                container = Json.mapper().treeToValue(c, ContainerInfo.class);
            } catch (IOException | IllegalArgumentException e) {
                throw new PoisonMessageException("Bulwark alert " + id + ": bad container: " + firstLine(e.getMessage()));
            }
        }
        ContainerInfo.K8s k8s = k8s(d.path("k8s"));
        List<String> lineage = new ArrayList<>();
        JsonNode p = d.path("process");
        if (p.path("pid").isInt()) {
            lineage.add("pid:" + p.path("pid").asInt());
            for (JsonNode a : p.path("ancestors")) {
                if (a.path("pid").asInt() > 1) {
                    lineage.add("pid:" + a.path("pid").asInt());
                }
            }
        }
        Map<String, String> runtimes = null;
        if (node.path("runtimes").isObject()) {
            runtimes = new LinkedHashMap<>();
            for (var it = node.path("runtimes").fields(); it.hasNext(); ) {
                var e = it.next();
                runtimes.put(e.getKey(), e.getValue().asText());
            }
        }
        JsonNode sensor = d.path("sensor");
        return new Signal(Signal.BULWARK, id, time, rule, priority, clamp(severity), text(d, "vector"), strings(d.path("mitre")),
                text(node, "hostname"), text(node, "instance_id"), text(node, "kernel"), runtimes, null,
                c.isObject() ? text(c, "id") : null, c.isObject() ? text(c, "name") : null, c.isObject() ? text(c, "image") : null,
                c.isObject() ? text(c, "runtime") : null, container, null, k8s, List.copyOf(lineage),
                text(sensor, "action"), text(sensor, "incident"), text(node, "command_key"));
    }

    static Signal falco(JsonNode n) {
        String rule = required(n, "rule", "Falco alert");
        Priority priority = priority(n.path("priority").asText(null), "Falco alert");
        Instant time = time(n, "time", "Falco alert");
        JsonNode f = n.path("output_fields");
        String host = text(n, "hostname");
        if (host == null) {
            throw new PoisonMessageException("Falco alert '" + rule + "' has no hostname (falcosidekick sets it from Falco's)");
        }
        String id = text(n, "uuid");
        if (id == null) {
            id = StableId.of("falco", host, n.path("time").asText(), rule, n.path("output").asText());
        }
        List<String> tags = strings(n.path("tags"));
        String vector = null;
        List<String> mitre = new ArrayList<>();
        for (String t : tags) {
            if (t.startsWith("vector:")) {
                vector = t.substring("vector:".length());
            } else if (TECHNIQUE.matcher(t).matches()) {
                mitre.add(t);
            }
        }
        if (vector == null) {
            vector = FALCO_VECTORS.get(rule);
        }
        String containerId = text(f, "container.id");
        if ("host".equals(containerId) || "".equals(containerId)) {
            containerId = null;
        }
        String image = text(f, "container.image.repository");
        if (image != null && text(f, "container.image.tag") != null) {
            image = image + ":" + text(f, "container.image.tag");
        }
        if (image == null) {
            image = text(f, "container.image");
        }
        ContainerInfo.K8s k8s = null;
        if (text(f, "k8s.ns.name") != null || text(f, "k8s.pod.name") != null) {
            k8s = new ContainerInfo.K8s(text(f, "k8s.ns.name"), text(f, "k8s.pod.name"), text(f, "k8s.pod.uid"), text(f, "container.name"));
        }
        Boolean privileged = f.path("container.privileged").isBoolean() ? f.path("container.privileged").asBoolean()
                : f.has("container.privileged") ? Boolean.valueOf(f.path("container.privileged").asText()) : null;
        Signal.Facts facts = containerId == null ? null : new Signal.Facts(privileged, null, null, null);
        List<String> lineage = new ArrayList<>();
        if (f.path("proc.pid").canConvertToLong()) {
            lineage.add("pid:" + f.path("proc.pid").asLong());
        }
        for (String k : new String[] {"proc.ppid", "proc.apid[2]", "proc.apid[3]", "proc.apid[4]"}) {
            if (f.path(k).canConvertToLong() && f.path(k).asLong() > 1) {
                lineage.add("pid:" + f.path(k).asLong());
            }
        }
        return new Signal(Signal.FALCO, id, time, rule, priority, priority.severity(), vector, List.copyOf(mitre), host, null, null, null,
                null, containerId, text(f, "container.name"), image, null, null, facts, k8s, List.copyOf(lineage), null, null, null);
    }

    static Signal guardDuty(JsonNode e) {
        JsonNode d = e.path("detail");
        String id = required(d, "id", "GuardDuty finding");
        String type = required(d, "type", "GuardDuty finding");
        double severity = d.path("severity").isNumber() ? d.path("severity").asDouble() : 5.0;
        Instant time = Instant.parse(firstText(e.path("time").asText(null), d.path("updatedAt").asText(null), Instant.now().toString()));
        try {
            time = Instant.parse(firstText(d.path("service").path("eventLastSeen").asText(null), time.toString()));
        } catch (DateTimeParseException ignored) {
            // keep the event's time
        }
        JsonNode r = d.path("resource");
        String instance = text(r.path("instanceDetails"), "instanceId");
        String cluster = text(r.path("eksClusterDetails"), "name");
        JsonNode w = r.path("kubernetesDetails").path("kubernetesWorkloadDetails");
        JsonNode ctr = r.path("containerDetails");
        JsonNode firstCtr = w.path("containers").path(0);
        String containerId = text(ctr, "id");
        String containerName = firstText(text(ctr, "name"), text(firstCtr, "name"));
        String image = firstText(text(ctr, "image"), text(firstCtr, "image"));
        ContainerInfo.K8s k8s = null;
        if (text(w, "namespace") != null) {
            k8s = new ContainerInfo.K8s(text(w, "namespace"), "Pods".equalsIgnoreCase(text(w, "type")) ? text(w, "name") : null,
                    text(w, "uid"), containerName);
        }
        if (containerId == null && k8s != null && containerName != null) {
            // GuardDuty names the workload, not the container's runtime id: key it by pod/container
            containerId = "k8s:" + k8s.namespace() + "/" + firstText(k8s.pod(), text(w, "name")) + "/" + containerName;
        }
        Signal.Facts facts = null;
        if (w.isObject() || ctr.isObject()) {
            JsonNode sc = firstCtr.isMissingNode() ? ctr.path("securityContext") : firstCtr.path("securityContext");
            Boolean privileged = sc.path("privileged").isBoolean() ? sc.path("privileged").asBoolean() : null;
            List<String> hostPaths = new ArrayList<>();
            for (JsonNode v : w.path("volumes")) {
                if (text(v.path("hostPath"), "path") != null) {
                    hostPaths.add(text(v.path("hostPath"), "path"));
                }
            }
            List<String> hostNs = new ArrayList<>();
            if (w.path("hostPID").asBoolean(false)) {
                hostNs.add("pid");
            }
            if (w.path("hostNetwork").asBoolean(false)) {
                hostNs.add("network");
            }
            if (w.path("hostIPC").asBoolean(false)) {
                hostNs.add("ipc");
            }
            facts = new Signal.Facts(privileged, null, w.has("volumes") ? List.copyOf(hostPaths) : null,
                    w.isObject() ? List.copyOf(hostNs) : null);
        }
        JsonNode proc = d.path("service").path("runtimeDetails").path("process");
        List<String> lineage = new ArrayList<>();
        if (text(proc, "uuid") != null) {
            lineage.add("uuid:" + text(proc, "uuid"));
        }
        for (JsonNode a : proc.path("lineage")) {
            if (text(a, "uuid") != null) {
                lineage.add("uuid:" + text(a, "uuid"));
            }
        }
        String node = firstText(instance, cluster == null ? null : cluster + "/unknown-node");
        if (node == null) {
            throw new PoisonMessageException("GuardDuty finding " + id + " (" + type + ") names no instance and no cluster");
        }
        return new Signal(Signal.GUARDDUTY, id, time, type, priorityOf(severity), clamp(severity), GUARDDUTY_VECTORS.get(type),
                List.of(), node, instance, null, null, cluster, containerId, containerName, image, null, null, facts, k8s,
                List.copyOf(lineage), null, null, null);
    }

    /** Falco's name for a GuardDuty-scale severity: the most severe priority whose severity it reaches. */
    static Priority priorityOf(double severity) {
        for (Priority p : new Priority[] {Priority.CRITICAL, Priority.ERROR, Priority.WARNING, Priority.NOTICE, Priority.INFORMATIONAL}) {
            if (severity >= p.severity()) {
                return p;
            }
        }
        return Priority.DEBUG;
    }

    static double clamp(double s) {
        return Math.max(1.0, Math.min(8.9, s));
    }

    private static Priority priority(String s, String what) {
        try {
            return Priority.parse(s);
        } catch (IllegalArgumentException e) {
            throw new PoisonMessageException(what + ": " + e.getMessage());
        }
    }

    private static Instant time(JsonNode n, String field, String what) {
        String t = text(n, field);
        if (t == null) {
            throw new PoisonMessageException(what + " has no " + field);
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            throw new PoisonMessageException(what + ": " + field + " '" + t + "' is not an ISO-8601 time");
        }
    }

    private static String required(JsonNode n, String field, String what) {
        String v = text(n, field);
        if (v == null) {
            throw new PoisonMessageException(what + " has no " + field);
        }
        return v;
    }

    private static ContainerInfo.K8s k8s(JsonNode k) {
        if (!k.isObject()) {
            return null;
        }
        return new ContainerInfo.K8s(text(k, "namespace"), text(k, "pod"), text(k, "pod_uid"), text(k, "container_name"));
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        if (v == null || v.isNull() || v.isMissingNode()) {
            return null;
        }
        String s = v.asText();
        return s.isEmpty() ? null : s;
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        if (a != null && a.isArray()) {
            a.forEach(x -> out.add(x.asText()));
        }
        return List.copyOf(out);
    }

    private static String firstText(String... options) {
        for (String o : options) {
            if (o != null && !o.isEmpty()) {
                return o;
            }
        }
        return null;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
