package io.bulwark.functions.respond.act.ec2;

import io.bulwark.functions.respond.act.Params;
import io.bulwark.functions.snapshot.EbsSnapshots;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CopyTagsFromSource;
import software.amazon.awssdk.services.ec2.model.CreateSnapshotsRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceSpecification;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotInfo;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * {@code ec2.snapshot}: CreateSnapshots of every volume of the instance (crash-consistent, one request), tagged with the
 * incident. Evidence: no undo.
 *
 * <p>Requested once per incident and instance, whoever asks: the snapshot function ({@link EbsSnapshots}) and every
 * playbook tag their snapshots {@code bulwark:incident=<id>}, so snapshots of this instance already carrying the
 * incident's tag (DescribeSnapshots, owner self) mean nothing new is requested; the step is done and names them.
 */
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
        List<Snapshot> existing = new ArrayList<>();
        ec2.describeSnapshotsPaginator(b -> b.ownerIds("self").filters(
                        Filter.builder().name("tag:" + EbsSnapshots.TAG_INCIDENT).values(r.incident()).build()))
                .snapshots().forEach(s -> {
                    // Snapshots of another instance of the same incident do not cover this one (both writers tag
                    // bulwark:instance; one without that tag counts, as it may be this instance's).
                    String inst = s.tags().stream().filter(t -> EbsSnapshots.TAG_INSTANCE.equals(t.key())).map(Tag::value).findFirst().orElse(null);
                    if (inst == null || inst.equals(id)) existing.add(s);
                });
        if (!existing.isEmpty()) {
            List<String> ids = existing.stream().map(Snapshot::snapshotId).toList();
            return ActionResult.done("snapshots of instance " + id + " already requested for incident " + r.incident() + ": "
                    + String.join(", ", ids) + " (nothing new requested)",
                    Map.of("instance", id, "snapshots", String.join(",", ids), "already_requested", true));
        }
        List<Tag> tags = new ArrayList<>();
        tags.add(Tag.builder().key(EbsSnapshots.TAG_INCIDENT).value(r.incident()).build());
        tags.add(Tag.builder().key("bulwark:playbook").value(r.playbook() + "/" + r.step()).build());
        tags.add(Tag.builder().key(EbsSnapshots.TAG_INSTANCE).value(id).build());
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
