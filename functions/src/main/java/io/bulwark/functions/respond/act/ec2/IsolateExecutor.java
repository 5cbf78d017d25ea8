package io.bulwark.functions.respond.act.ec2;

import io.bulwark.functions.respond.act.Params;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.AuthorizeSecurityGroupEgressRequest;
import software.amazon.awssdk.services.ec2.model.AuthorizeSecurityGroupIngressRequest;
import software.amazon.awssdk.services.ec2.model.CreateSecurityGroupRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSecurityGroupsRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.GroupIdentifier;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceNetworkInterface;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.Ipv6Range;
import software.amazon.awssdk.services.ec2.model.ModifyNetworkInterfaceAttributeRequest;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RevokeSecurityGroupEgressRequest;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * {@code ec2.isolate}: the two-step security-group swap of AWS's incident-response guidance. Security groups track
 * connections, and changing an ENI's groups does not cut a tracked connection: it lives on until it times out. A
 * flow permitted by an all-traffic rule to/from 0.0.0.0/0 (and ::/0) in both directions is not tracked. So:
 * <ol>
 *   <li>every ENI of the instance to the <em>staging</em> group (all traffic in and out from/to anywhere): its
 *       tracked connections become untracked;</li>
 *   <li>every ENI to the <em>isolation</em> group (no rules at all): untracked flows are cut at once, and nothing
 *       new is allowed.</li>
 * </ol>
 * Going straight to a rule-less group would leave an attacker's established (tracked) session open. The groups are
 * the step's parameters, else found by name in the instance's VPC ({@code bulwark-isolation-staging},
 * {@code bulwark-isolation}) and created when absent. The ENIs' previous groups are recorded; undo puts them back.
 */
public final class IsolateExecutor extends Ec2Executor {
    public static final String STAGING_NAME = "bulwark-isolation-staging";
    public static final String ISOLATION_NAME = "bulwark-isolation";

    public IsolateExecutor(Ec2Client ec2) {
        super(ec2);
    }

    @Override
    public String action() {
        return "ec2.isolate";
    }

    @Override
    public ActionResult execute(ActionRequest r) {
        String id = instanceId(r);
        if (id == null) return ActionResult.skipped("no EC2 instance in the event (detail.node.instance_id)");
        Instance inst = describe(id);
        if (inst == null) return ActionResult.skipped("instance " + id + " not found");
        List<InstanceNetworkInterface> enis = inst.networkInterfaces();
        if (enis.isEmpty()) return ActionResult.skipped("instance " + id + " has no network interfaces");
        String vpc = inst.vpcId();
        String staging = Params.string(r, "staging_security_group");
        if (staging == null) staging = group(vpc, STAGING_NAME, true, r.incident());
        String isolation = Params.string(r, "isolation_security_group");
        if (isolation == null) isolation = group(vpc, ISOLATION_NAME, false, r.incident());
        Map<String, Object> previous = new LinkedHashMap<>();
        for (InstanceNetworkInterface eni : enis) {
            previous.put(eni.networkInterfaceId(), String.join(",", eni.groups().stream().map(GroupIdentifier::groupId).toList()));
        }
        for (InstanceNetworkInterface eni : enis) {
            ec2.modifyNetworkInterfaceAttribute(ModifyNetworkInterfaceAttributeRequest.builder()
                    .networkInterfaceId(eni.networkInterfaceId()).groups(staging).build());
        }
        for (InstanceNetworkInterface eni : enis) {
            ec2.modifyNetworkInterfaceAttribute(ModifyNetworkInterfaceAttributeRequest.builder()
                    .networkInterfaceId(eni.networkInterfaceId()).groups(isolation).build());
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("instance", id);
        d.put("staging_group", staging);
        d.put("isolation_group", isolation);
        d.put("previous_groups", previous);
        return ActionResult.done("instance " + id + " isolated: " + enis.size() + " ENI(s) to " + staging + " (untracks connections), then to "
                + isolation + " (no rules)", d);
    }

    /** The group named {@code name} in the VPC, created when absent (staging: all traffic both ways; isolation: no rules). */
    private String group(String vpc, String name, boolean allowAll, String incident) {
        var found = ec2.describeSecurityGroups(DescribeSecurityGroupsRequest.builder()
                .filters(Filter.builder().name("group-name").values(name).build(), Filter.builder().name("vpc-id").values(vpc).build())
                .build()).securityGroups();
        if (!found.isEmpty()) return found.get(0).groupId();
        String gid = ec2.createSecurityGroup(CreateSecurityGroupRequest.builder().groupName(name).vpcId(vpc)
                .description(allowAll ? "Bulwark isolation, step 1: all traffic, so tracked connections become untracked"
                        : "Bulwark isolation, step 2: no rules; every flow cut")
                .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.SECURITY_GROUP)
                        .tags(Tag.builder().key("bulwark:purpose").value(allowAll ? "isolation-staging" : "isolation").build(),
                                Tag.builder().key("bulwark:created-for").value(incident).build()).build())
                .build()).groupId();
        IpPermission all = IpPermission.builder().ipProtocol("-1").ipRanges(IpRange.builder().cidrIp("0.0.0.0/0").build())
                .ipv6Ranges(Ipv6Range.builder().cidrIpv6("::/0").build()).build();
        if (allowAll) {
            ec2.authorizeSecurityGroupIngress(AuthorizeSecurityGroupIngressRequest.builder().groupId(gid).ipPermissions(all).build());
            // a new group already allows all IPv4 egress; add IPv6
            ec2.authorizeSecurityGroupEgress(AuthorizeSecurityGroupEgressRequest.builder().groupId(gid)
                    .ipPermissions(IpPermission.builder().ipProtocol("-1").ipv6Ranges(Ipv6Range.builder().cidrIpv6("::/0").build()).build()).build());
        } else {
            // a new group allows all IPv4 egress: take it away
            ec2.revokeSecurityGroupEgress(RevokeSecurityGroupEgressRequest.builder().groupId(gid)
                    .ipPermissions(IpPermission.builder().ipProtocol("-1").ipRanges(IpRange.builder().cidrIp("0.0.0.0/0").build()).build()).build());
        }
        return gid;
    }

    @Override
    public ActionResult undo(ActionRequest r, ActionResult done) {
        Object prev = done.details().get("previous_groups");
        if (!(prev instanceof Map<?, ?> m) || m.isEmpty()) return ActionResult.failed("no previous security groups recorded: cannot restore");
        List<String> restored = new ArrayList<>();
        for (var e : m.entrySet()) {
            List<String> groups = List.of(String.valueOf(e.getValue()).split(","));
            ec2.modifyNetworkInterfaceAttribute(ModifyNetworkInterfaceAttributeRequest.builder()
                    .networkInterfaceId(String.valueOf(e.getKey())).groups(groups).build());
            restored.add(e.getKey() + "=" + e.getValue());
        }
        return ActionResult.done("security groups restored: " + String.join(" ", restored));
    }
}
