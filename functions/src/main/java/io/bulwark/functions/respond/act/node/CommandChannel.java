package io.bulwark.functions.respond.act.node;

/**
 * Carries a node command to the node that runs it (docs/respond.md): in AWS the node-commands SQS queue
 * ({@link SqsCommandChannel}), locally the sensor's command spool directory ({@link SpoolCommandChannel}).
 */
public interface CommandChannel {
    /**
     * Sends one command.
     *
     * @param node     the node's hostname (the sensor on that node runs only commands that name it)
     * @param queueKey the key of the node's command queue ({@code <prefix>-node-<key>}): the alert's
     *                 {@code detail.node.command_key} (the sensor pod's name under EKS Pod Identity), else the hostname
     * @param json     the command file's text (NodeCommand's format, plus {@code node})
     * @return where it went, for the audit record ({@code sqs:URL}, {@code file:PATH})
     */
    String send(String node, String queueKey, String id, String json) throws Exception;
}
