package io.bulwark.functions.respond.act.node;

/** {@code node.freeze}: a {@code freeze} command to the container's node (the sensor runs it; docs/respond.md). */
public final class NodeFreezeExecutor extends NodeCommandExecutor {
    public NodeFreezeExecutor(CommandChannel channel, String principal) {
        super(channel, principal);
    }

    @Override
    public String action() {
        return "node.freeze";
    }

    @Override
    protected String verb() {
        return "freeze";
    }
}
