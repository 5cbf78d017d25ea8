package io.bulwark.contract;

/**
 * The node command channel's queue naming, shared by its two ends: the respond function sends a node's commands to
 * the URL with {@code {node}} replaced, and that node's shipper polls (and creates) the same URL. The node's name
 * keeps letters, digits, '-' and '_'; every other character becomes '-' (SQS queue names allow no dots). The
 * Terraform in infra/modules/queues applies the same rule to the queues it pre-creates.
 */
public final class NodeCommandQueue {
    private NodeCommandQueue() {}

    /** {@code template} with {@code {node}} replaced by the node's cleaned name; a URL without it is returned as is. */
    public static String url(String template, String node) {
        return template.replace("{node}", node.replaceAll("[^A-Za-z0-9_-]", "-"));
    }
}
