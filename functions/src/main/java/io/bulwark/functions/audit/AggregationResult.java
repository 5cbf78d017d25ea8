package io.bulwark.functions.audit;

/**
 * What one invocation did (the Lambda's response; also logged).
 *
 * @param status             aggregated (a new cluster report), unchanged (nothing newer: a repeated or late
 *                           delivery), or stale (older than the expiry: archived only)
 * @param duplicateDelivery  the node report was already in the archive, byte-for-byte the same event
 * @param clusterReportKey   the new cluster report, null unless aggregated
 * @param applied            containers of the report that changed the view
 * @param removed            containers of the node that the report (a complete inventory, scope node) left out
 *                           and that were removed from the view
 * @param attempts           tries at replacing latest.json (more than 1 when another invocation won a race)
 */
public record AggregationResult(String status, String node, String reportId, String reportKey, boolean duplicateDelivery,
                                String clusterReportKey, long generation, int applied, int removed, int findingsSent, int findingsFailed,
                                int findingsSuppressed, String enrichment, int attempts) {}
