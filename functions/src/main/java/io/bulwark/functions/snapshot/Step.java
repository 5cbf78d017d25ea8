package io.bulwark.functions.snapshot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;

/**
 * How one part of the snapshot went, as the manifest part records it under {@code snapshot}:
 * {@code status} is one of requested, already requested (EBS), archived (Kubernetes), not configured,
 * skipped (nothing to act on, e.g. no instance id), not found, failed; {@code reason} says why when it
 * is not the plain success; {@code artifact} names the evidence object written, if any.
 */
public record Step(String status, String reason, String artifact) {
    public static final String REQUESTED = "requested";
    public static final String ALREADY_REQUESTED = "already requested";
    public static final String ARCHIVED = "archived";
    public static final String NOT_CONFIGURED = "not configured";
    public static final String SKIPPED = "skipped";
    public static final String NOT_FOUND = "not found";
    public static final String FAILED = "failed";

    public static Step notConfigured(String reason) {
        return new Step(NOT_CONFIGURED, reason, null);
    }

    public static Step skipped(String reason) {
        return new Step(SKIPPED, reason, null);
    }

    public static Step failed(String reason) {
        return new Step(FAILED, reason, null);
    }

    public boolean failed() {
        return FAILED.equals(status);
    }

    ObjectNode json() {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("status", status);
        if (reason != null) {
            n.put("reason", reason);
        }
        if (artifact != null) {
            n.put("artifact", artifact);
        }
        return n;
    }
}
