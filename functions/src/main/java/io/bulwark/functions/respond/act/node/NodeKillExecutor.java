package io.bulwark.functions.respond.act.node;

/** {@code node.kill}: a {@code kill} command to the container's node (the sensor runs it; docs/respond.md). */
public final class NodeKillExecutor extends NodeCommandExecutor {
    public NodeKillExecutor(CommandChannel channel, String principal) {
        super(channel, principal);
    }

    @Override
    public String action() {
        return "node.kill";
    }

    @Override
    protected String verb() {
        return "kill";
    }

    @Override
    protected boolean needsProcess() {
        return true;
    }
}
