package io.bulwark.sensor.integrity;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.Syscall;
import io.bulwark.sensor.alert.AlertFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Integrity findings become alerts through the normal alert path (same envelope as rule
 * alerts, like {@code Sensor Event Loss}): vector {@code kernel-rootkit-hooks}, the rule's MITRE
 * ids, the evidence in {@code output_fields}. A finding is alerted once per sensor run: the same
 * key (same function and bytes, same program and rule, same pid) is not repeated every period.
 */
public final class IntegrityAlerts {
    private final AlertDetail.Node node;
    private final String mode;
    private final String action;
    private final Set<String> reported = new HashSet<>();

    public IntegrityAlerts(AlertDetail.Node node, String mode, String action) {
        this.node = node;
        this.mode = mode;
        this.action = action;
    }

    /** The alerts for findings not reported before. */
    public synchronized List<AlertEnvelope> alerts(IntegrityReport report) {
        List<AlertEnvelope> out = new ArrayList<>();
        for (Finding f : report.findings()) {
            if (reported.add(f.key())) {
                out.add(envelope(f, report.kind()));
            }
        }
        return out;
    }

    AlertEnvelope envelope(Finding f, String kind) {
        String time = Instant.now().toString();
        String id = io.bulwark.contract.StableId.of("integrity", node.hostname(), f.rule(), f.check(), f.target(), time);
        ProcessHandle self = ProcessHandle.current();
        int pid = (int) self.pid();
        ProcessInfo sensor = new ProcessInfo(pid, pid, self.parent().map(p -> (int) p.pid()).orElse(0), pid, 0, 0, -1,
                "bulwark", self.info().command().orElse("java"), List.of(), "bulwark integrity", 0, 0,
                new ProcessInfo.Namespaces(0, 0, 0, 0, 0, 0, 0), 0, 0, false, false, List.of());
        IntegrityRules.RuleInfo info = IntegrityRules.RULES.get(f.rule());
        List<String> tags = new ArrayList<>(List.of("integrity", "host", "vector:" + IntegrityRules.VECTOR, "mitre_defense_evasion"));
        tags.addAll(info.mitre());
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("integrity.check", f.check());
        fields.put("integrity.target", f.target());
        fields.put("integrity.run", kind);
        for (Map.Entry<String, Object> e : f.details().entrySet()) {
            fields.put("integrity." + e.getKey(), e.getValue());
        }
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("check", f.check());
        args.put("target", f.target());
        AlertDetail d = new AlertDetail(id, time, f.rule(), f.priority().name(), f.priority().severity(), IntegrityRules.VECTOR,
                info.mitre(), tags, f.summary(), fields, 1, sensor, null, null, node,
                new Syscall("integrity_check", args, 0, null), new AlertDetail.Sensor(AlertFactory.VERSION, mode, action));
        List<String> resources = new ArrayList<>();
        if (node.instanceId() != null) {
            resources.add("ec2-instance/" + node.instanceId());
        }
        resources.add("node/" + node.hostname());
        return new AlertEnvelope("0", id, AlertEnvelope.DETAIL_TYPE, AlertEnvelope.SOURCE, null, time, null, resources, d);
    }
}
