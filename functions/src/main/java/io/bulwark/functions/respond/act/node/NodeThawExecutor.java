package io.bulwark.functions.respond.act.node;

/** {@code node.thaw}: a {@code thaw} command to the container's node (the sensor runs it; docs/respond.md). */
public final class NodeThawExecutor extends NodeCommandExecutor {
    public NodeThawExecutor(CommandChannel channel, String principal) {
        super(channel, principal);
    }

    @Override
    public String action() {
        return "node.thaw";
    }

    @Override
    protected String verb() {
        return "thaw";
    }
}
