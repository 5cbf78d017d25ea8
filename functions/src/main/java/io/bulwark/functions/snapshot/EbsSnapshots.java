package io.bulwark.functions.snapshot;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CopyTagsFromSource;
import software.amazon.awssdk.services.ec2.model.CreateSnapshotsResponse;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceBlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotInfo;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * EBS snapshots of an incident's node: one CreateSnapshots call for every EBS volume of the instance
 * (crash-consistent across volumes), tagged {@code bulwark:incident=<id>}, {@code bulwark:node=<hostname>}
 * and {@code bulwark:instance=<instance id>}, plus the volumes' own tags (CopyTagsFromSource). Idempotent:
 * snapshots already tagged with the incident (DescribeSnapshots, owner self) mean a replayed event,
 * and nothing new is requested. The snapshots are left to complete on their own: the record lists their
 * ids and the state EC2 gave.
 *
 * <p>IAM: ec2:DescribeSnapshots, ec2:DescribeInstances, ec2:CreateSnapshots, ec2:CreateTags (tagging on create).
 */
public final class EbsSnapshots {
    public static final String TAG_INCIDENT = "bulwark:incident";
    public static final String TAG_NODE = "bulwark:node";
    public static final String TAG_INSTANCE = "bulwark:instance";

    /** The outcome: {@link Step#REQUESTED} or {@link Step#ALREADY_REQUESTED}, with the evidence record. */
    public record Result(String status, ObjectNode record) {}

    private final Ec2Client ec2;

    public EbsSnapshots(Ec2Client ec2) {
        this.ec2 = ec2;
    }

    /** Snapshots of {@code instanceId}'s volumes for incident {@code incident} (requested once). */
    public Result snapshot(String incident, String instanceId, String hostname) {
        List<Snapshot> existing = new ArrayList<>();
        ec2.describeSnapshotsPaginator(b -> b.ownerIds("self").filters(Filter.builder().name("tag:" + TAG_INCIDENT).values(incident).build()))
                .snapshots().forEach(existing::add);
        ObjectNode rec = Json.mapper().createObjectNode();
        rec.put("incident", incident);
        rec.put("instance_id", instanceId);
        rec.put("node", hostname);
        if (!existing.isEmpty()) {
            rec.put("requested_by", "an earlier invocation");
            ArrayNode a = rec.putArray("snapshots");
            for (Snapshot s : existing) {
                a.addObject().put("snapshot_id", s.snapshotId()).put("volume_id", s.volumeId()).put("state", s.stateAsString())
                        .put("start_time", s.startTime() == null ? null : s.startTime().toString());
            }
            return new Result(Step.ALREADY_REQUESTED, rec);
        }
        List<Instance> instances = new ArrayList<>();
        ec2.describeInstances(b -> b.instanceIds(instanceId)).reservations().forEach(r -> instances.addAll(r.instances()));
        if (instances.isEmpty()) {
            throw new IllegalStateException("DescribeInstances: no instance " + instanceId);
        }
        ArrayNode volumes = rec.putArray("volumes");
        for (InstanceBlockDeviceMapping m : instances.get(0).blockDeviceMappings()) {
            if (m.ebs() != null) {
                volumes.addObject().put("device", m.deviceName()).put("volume_id", m.ebs().volumeId())
                        .put("delete_on_termination", m.ebs().deleteOnTermination());
            }
        }
        if (volumes.isEmpty()) {
            throw new IllegalStateException("instance " + instanceId + " has no EBS volumes (instance store only): nothing to snapshot");
        }
        List<Tag> tags = new ArrayList<>();
        tags.add(Tag.builder().key(TAG_INCIDENT).value(incident).build());
        tags.add(Tag.builder().key(TAG_INSTANCE).value(instanceId).build());
        if (hostname != null) {
            tags.add(Tag.builder().key(TAG_NODE).value(hostname).build());
        }
        CreateSnapshotsResponse r = ec2.createSnapshots(b -> b.instanceSpecification(s -> s.instanceId(instanceId).excludeBootVolume(false))
                .description("Bulwark incident " + incident + " on " + (hostname == null ? instanceId : hostname) + " (evidence: keep)")
                .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.SNAPSHOT).tags(tags).build())
                .copyTagsFromSource(CopyTagsFromSource.VOLUME));
        ArrayNode a = rec.putArray("snapshots");
        for (SnapshotInfo s : r.snapshots()) {
            a.addObject().put("snapshot_id", s.snapshotId()).put("volume_id", s.volumeId()).put("state", s.stateAsString())
                    .put("start_time", s.startTime() == null ? null : s.startTime().toString());
        }
        return new Result(Step.REQUESTED, rec);
    }
}
