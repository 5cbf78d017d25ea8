package io.bulwark.functions.respond.act.ec2;

import io.bulwark.functions.respond.act.Params;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CopyTagsFromSource;
import software.amazon.awssdk.services.ec2.model.CreateSnapshotsRequest;
import software.amazon.awssdk.services.ec2.model.InstanceSpecification;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.SnapshotInfo;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/** {@code ec2.snapshot}: CreateSnapshots of every volume of the instance (crash-consistent, one request), tagged with the incident. Evidence: no undo. */
public final class SnapshotExecutor extends Ec2Executor {
    public SnapshotExecutor(Ec2Client ec2) {
        super(ec2);
    }

    @Override
    public String action() {
        return "ec2.snapshot";
    }

    @Override
    public ActionResult execute(ActionRequest r) {
        String id = instanceId(r);
        if (id == null) return ActionResult.skipped("no EC2 instance in the event (detail.node.instance_id)");
        List<Tag> tags = new ArrayList<>();
        tags.add(Tag.builder().key("bulwark:incident").value(r.incident()).build());
        tags.add(Tag.builder().key("bulwark:playbook").value(r.playbook() + "/" + r.step()).build());
        for (String kv : Params.list(r, "tags")) {
            int eq = kv.indexOf('=');
            if (eq > 0) tags.add(Tag.builder().key(kv.substring(0, eq)).value(kv.substring(eq + 1)).build());
        }
        var res = ec2.createSnapshots(CreateSnapshotsRequest.builder()
                .instanceSpecification(InstanceSpecification.builder().instanceId(id).excludeBootVolume(false).build())
                .description("Bulwark evidence, incident " + r.incident())
                .copyTagsFromSource(CopyTagsFromSource.VOLUME)
                .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.SNAPSHOT).tags(tags).build())
                .build());
        List<String> ids = res.snapshots().stream().map(SnapshotInfo::snapshotId).toList();
        return ActionResult.done("snapshots requested for instance " + id + ": " + String.join(", ", ids),
                Map.of("instance", id, "snapshots", String.join(",", ids)));
    }
}
