package io.bulwark.functions.respond.act.node;

/**
 * Carries a node command to the node that runs it (docs/respond.md): in AWS the node-commands SQS queue
 * ({@link SqsCommandChannel}), locally the sensor's command spool directory ({@link SpoolCommandChannel}).
 */
public interface CommandChannel {
    /**
     * Sends one command.
     *
     * @param node the node's hostname (the shipper on that node takes only its own commands)
     * @param json the command file's text (NodeCommand's format, plus {@code node})
     * @return where it went, for the audit record ({@code sqs:URL}, {@code file:PATH})
     */
    String send(String node, String id, String json) throws Exception;
}
