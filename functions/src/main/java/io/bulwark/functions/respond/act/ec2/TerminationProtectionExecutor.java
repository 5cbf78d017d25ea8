package io.bulwark.functions.respond.act.ec2;

import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.util.Map;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.AttributeBooleanValue;
import software.amazon.awssdk.services.ec2.model.DescribeInstanceAttributeRequest;
import software.amazon.awssdk.services.ec2.model.InstanceAttributeName;
import software.amazon.awssdk.services.ec2.model.ModifyInstanceAttributeRequest;

/** {@code ec2.termination-protection}: DisableApiTermination and DisableApiStop on; undo restores what was there. */
public final class TerminationProtectionExecutor extends Ec2Executor {
    public TerminationProtectionExecutor(Ec2Client ec2) {
        super(ec2);
    }

    @Override
    public String action() {
        return "ec2.termination-protection";
    }

    private boolean attr(String id, InstanceAttributeName name) {
        var a = ec2.describeInstanceAttribute(DescribeInstanceAttributeRequest.builder().instanceId(id).attribute(name).build());
        AttributeBooleanValue v = name == InstanceAttributeName.DISABLE_API_TERMINATION ? a.disableApiTermination() : a.disableApiStop();
        return v != null && Boolean.TRUE.equals(v.value());
    }

    private void set(String id, boolean termination, boolean stop) {
        ec2.modifyInstanceAttribute(ModifyInstanceAttributeRequest.builder().instanceId(id)
                .disableApiTermination(AttributeBooleanValue.builder().value(termination).build()).build());
        ec2.modifyInstanceAttribute(ModifyInstanceAttributeRequest.builder().instanceId(id)
                .disableApiStop(AttributeBooleanValue.builder().value(stop).build()).build());
    }

    @Override
    public ActionResult execute(ActionRequest r) {
        String id = instanceId(r);
        if (id == null) return ActionResult.skipped("no EC2 instance in the event (detail.node.instance_id)");
        boolean term = attr(id, InstanceAttributeName.DISABLE_API_TERMINATION);
        boolean stop = attr(id, InstanceAttributeName.DISABLE_API_STOP);
        set(id, true, true);
        return ActionResult.done("instance " + id + ": termination and stop protection on",
                Map.of("instance", id, "previous_disable_api_termination", term, "previous_disable_api_stop", stop));
    }

    @Override
    public ActionResult undo(ActionRequest r, ActionResult done) {
        String id = instanceId(r);
        if (id == null) return ActionResult.skipped("no instance target recorded");
        boolean term = "true".equals(String.valueOf(done.details().get("previous_disable_api_termination")));
        boolean stop = "true".equals(String.valueOf(done.details().get("previous_disable_api_stop")));
        set(id, term, stop);
        return ActionResult.done("instance " + id + ": termination protection " + term + ", stop protection " + stop + " (as before)");
    }
}
