package io.bulwark.functions.respond.act.k8s;

import java.util.Optional;

/** Whether evidence of an incident is recorded (a manifest in the archive), so destroying the workload is allowed. */
public interface EvidenceCheck {
    /**
     * @param incident   the incident id
     * @param firstSeen  ISO-8601 time of its first alert (the archive's date path), or null
     * @return where the manifest is, or empty when there is none
     */
    Optional<String> manifest(String incident, String firstSeen) throws Exception;
}
