package io.bulwark.functions.respond.act.node;

/** {@code node.stop}: a {@code stop} command to the container's node (the sensor runs it; docs/respond.md). */
public final class NodeStopExecutor extends NodeCommandExecutor {
    public NodeStopExecutor(CommandChannel channel, String principal) {
        super(channel, principal);
    }

    @Override
    public String action() {
        return "node.stop";
    }

    @Override
    protected String verb() {
        return "stop";
    }
}
