package io.bulwark.functions.audit;

import io.bulwark.contract.AlertDetail;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * Archive layout of the audit objects (docs/audit-aggregation.md):
 * <pre>
 * PREFIX/nodes/NODE/YYYY/MM/DD/HHMMSS.mmmZ-REPORTID.json   one node report, as received (never replaced)
 * PREFIX/cluster/YYYY/MM/DD/HHMMSS.mmmZ-gGENERATION-REPORTID.json  one cluster report (never replaced)
 * PREFIX/cluster/latest.json                              pointer to the newest cluster report (replaced by CAS)
 * </pre>
 * Dates are the UTC audit time (node reports) or build time (cluster reports), so keys sort by
 * time within a day and S3 lifecycle/Athena partitions can use the date parts. Node names and
 * report ids are reduced to {@code [A-Za-z0-9._-]}: a hostname can never add a path level.
 */
public final class ArchiveKeys {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final String prefix;

    public ArchiveKeys(String prefix) {
        String p = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
        this.prefix = p.isEmpty() ? "" : p + "/";
    }

    public String nodeReport(String node, Instant auditTime, String reportId) {
        return prefix + "nodes/" + node + "/" + DAY.format(auditTime) + "/" + TIME.format(auditTime) + "-" + reportId + ".json";
    }

    public String clusterReport(Instant built, long generation, String reportId) {
        return prefix + "cluster/" + DAY.format(built) + "/" + TIME.format(built) + "-g" + String.format("%06d", generation)
                + "-" + reportId + ".json";
    }

    public String pointer() {
        return prefix + "cluster/latest.json";
    }

    /** The node's archive name: hostname, else EC2 instance id, else "unknown"; path-safe. */
    public static String nodeName(AlertDetail.Node node) {
        String raw = node == null ? null : blank(node.hostname()) ? node.instanceId() : node.hostname();
        return safe(blank(raw) ? "unknown" : raw, 128);
    }

    /** The event id made path-safe; a hash of the event when it has none. */
    public static String reportId(String eventId, byte[] event) {
        if (!blank(eventId)) {
            return safe(eventId, 64);
        }
        try {
            return "sha256-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(event)).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String safe(String s, int max) {
        String out = s.replaceAll("[^A-Za-z0-9._-]", "_");
        if (out.equals(".") || out.equals("..")) {
            out = out.replace('.', '_');
        }
        return out.length() > max ? out.substring(0, max) : out;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
