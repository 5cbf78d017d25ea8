package io.bulwark.functions.respond.act.ec2;

import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.EbsInstanceBlockDeviceSpecification;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceBlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.InstanceBlockDeviceMappingSpecification;
import software.amazon.awssdk.services.ec2.model.ModifyInstanceAttributeRequest;

/** {@code ec2.keep-volumes}: DeleteOnTermination=false on every attached EBS volume that had it true; undo sets those back. */
public final class KeepVolumesExecutor extends Ec2Executor {
    public KeepVolumesExecutor(Ec2Client ec2) {
        super(ec2);
    }

    @Override
    public String action() {
        return "ec2.keep-volumes";
    }

    private void set(String id, List<String> devices, boolean delete) {
        if (devices.isEmpty()) return;
        ec2.modifyInstanceAttribute(ModifyInstanceAttributeRequest.builder().instanceId(id)
                .blockDeviceMappings(devices.stream().map(dev -> InstanceBlockDeviceMappingSpecification.builder().deviceName(dev)
                        .ebs(EbsInstanceBlockDeviceSpecification.builder().deleteOnTermination(delete).build()).build()).toList())
                .build());
    }

    @Override
    public ActionResult execute(ActionRequest r) {
        String id = instanceId(r);
        if (id == null) return ActionResult.skipped("no EC2 instance in the event (detail.node.instance_id)");
        Instance inst = describe(id);
        if (inst == null) return ActionResult.skipped("instance " + id + " not found");
        List<String> changed = new ArrayList<>();
        for (InstanceBlockDeviceMapping m : inst.blockDeviceMappings()) {
            if (m.ebs() != null && Boolean.TRUE.equals(m.ebs().deleteOnTermination())) changed.add(m.deviceName());
        }
        set(id, changed, false);
        return ActionResult.done("instance " + id + ": " + (changed.isEmpty() ? "every volume was already kept on termination"
                : "DeleteOnTermination=false on " + String.join(", ", changed)), Map.of("instance", id, "devices", String.join(",", changed)));
    }

    @Override
    public ActionResult undo(ActionRequest r, ActionResult done) {
        String id = instanceId(r);
        if (id == null) return ActionResult.skipped("no instance target recorded");
        String devs = String.valueOf(done.details().getOrDefault("devices", ""));
        List<String> devices = devs.isBlank() ? List.of() : List.of(devs.split(","));
        set(id, devices, true);
        return ActionResult.done("instance " + id + ": DeleteOnTermination=true again on " + (devices.isEmpty() ? "nothing" : devs));
    }
}
