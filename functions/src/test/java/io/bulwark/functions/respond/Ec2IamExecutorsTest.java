package io.bulwark.functions.respond;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.bulwark.functions.respond.act.RespondExecutors;
import io.bulwark.response.PlaybookRun;
import io.bulwark.response.Responder;
import io.bulwark.response.StepOutcome;
import io.bulwark.response.StepStatus;
import io.bulwark.response.state.InMemoryResponseState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * ec2.* and iam.revoke-sessions through the real AWS SDK. EC2 and IAM have no emulator here: {@link FakeHttp} on
 * 127.0.0.1 speaks their Query APIs (form posts in, XML out) and records the requests, so the tests assert what
 * the SDK sent, in order.
 */
@Tag("servers")
class Ec2IamExecutorsTest {
    static final String EC2_NS = "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"";
    static final String IAM_NS = "xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"";
    static final Instant NOW = Instant.parse("2026-12-07T03:41:07.250Z");

    FakeHttp ec2Server;
    FakeHttp iamServer;
    Ec2Client ec2;
    IamClient iam;
    InMemoryResponseState state;

    @BeforeAll
    static void credentials() {
        System.setProperty("aws.accessKeyId", "test-not-a-secret");
        System.setProperty("aws.secretAccessKey", "test-not-a-secret");
    }

    static String ec2Answer(FakeHttp.Request r) {
        return switch (r.action()) {
            case "DescribeInstances" -> """
                    <DescribeInstancesResponse %s><requestId>r1</requestId><reservationSet><item><reservationId>r-1</reservationId>
                    <instancesSet><item><instanceId>i-0123456789abcdef0</instanceId><vpcId>vpc-1</vpcId>
                    <iamInstanceProfile><arn>arn:aws:iam::123456789012:instance-profile/nodes/bulwark-node</arn><id>AIPAEXAMPLE</id></iamInstanceProfile>
                    <blockDeviceMapping>
                      <item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-1</volumeId><deleteOnTermination>true</deleteOnTermination></ebs></item>
                      <item><deviceName>/dev/xvdb</deviceName><ebs><volumeId>vol-2</volumeId><deleteOnTermination>false</deleteOnTermination></ebs></item>
                    </blockDeviceMapping>
                    <networkInterfaceSet>
                      <item><networkInterfaceId>eni-1</networkInterfaceId><groupSet><item><groupId>sg-app</groupId></item><item><groupId>sg-ssh</groupId></item></groupSet></item>
                      <item><networkInterfaceId>eni-2</networkInterfaceId><groupSet><item><groupId>sg-app</groupId></item></groupSet></item>
                    </networkInterfaceSet></item></instancesSet></item></reservationSet></DescribeInstancesResponse>""".formatted(EC2_NS);
            case "DescribeSecurityGroups" -> r.form().get("Filter.1.Value.1").equals("bulwark-isolation")
                    ? "<DescribeSecurityGroupsResponse %s><securityGroupInfo><item><groupId>sg-iso</groupId><groupName>bulwark-isolation</groupName></item></securityGroupInfo></DescribeSecurityGroupsResponse>".formatted(EC2_NS)
                    : "<DescribeSecurityGroupsResponse %s><securityGroupInfo/></DescribeSecurityGroupsResponse>".formatted(EC2_NS);
            case "CreateSecurityGroup" -> "<CreateSecurityGroupResponse %s><return>true</return><groupId>sg-staging</groupId></CreateSecurityGroupResponse>".formatted(EC2_NS);
            case "DescribeInstanceAttribute" -> "<DescribeInstanceAttributeResponse %s><instanceId>i-0123456789abcdef0</instanceId><%s><value>false</value></%s></DescribeInstanceAttributeResponse>"
                    .formatted(EC2_NS, attr(r), attr(r));
            case "CreateSnapshots" -> """
                    <CreateSnapshotsResponse %s><snapshotSet><item><snapshotId>snap-1</snapshotId><volumeId>vol-1</volumeId></item>
                    <item><snapshotId>snap-2</snapshotId><volumeId>vol-2</volumeId></item></snapshotSet></CreateSnapshotsResponse>""".formatted(EC2_NS);
            default -> "<" + r.action() + "Response " + EC2_NS + "><return>true</return></" + r.action() + "Response>";
        };
    }

    static String attr(FakeHttp.Request r) {
        return r.form().get("Attribute");
    }

    static String iamAnswer(FakeHttp.Request r) {
        String result = switch (r.action()) {
            case "GetInstanceProfile" -> """
                    <GetInstanceProfileResult><InstanceProfile><InstanceProfileName>bulwark-node</InstanceProfileName><InstanceProfileId>AIPAEXAMPLE</InstanceProfileId>
                    <Arn>arn:aws:iam::123456789012:instance-profile/nodes/bulwark-node</Arn><Path>/nodes/</Path><CreateDate>2026-01-01T00:00:00Z</CreateDate>
                    <Roles><member><RoleName>bulwark-node-role</RoleName><RoleId>AROAEXAMPLE</RoleId><Arn>arn:aws:iam::123456789012:role/bulwark-node-role</Arn>
                    <Path>/</Path><CreateDate>2026-01-01T00:00:00Z</CreateDate></member></Roles></InstanceProfile></GetInstanceProfileResult>""";
            default -> "";
        };
        return "<" + r.action() + "Response " + IAM_NS + ">" + result + "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></" + r.action() + "Response>";
    }

    @BeforeEach
    void start() throws Exception {
        ec2Server = new FakeHttp(r -> FakeHttp.Answer.xml(ec2Answer(r)));
        iamServer = new FakeHttp(r -> FakeHttp.Answer.xml(iamAnswer(r)));
        ec2 = Ec2Client.builder().region(Region.US_EAST_1).endpointOverride(ec2Server.uri()).build();
        iam = IamClient.builder().region(Region.AWS_GLOBAL).endpointOverride(iamServer.uri()).build();
        state = new InMemoryResponseState();
    }

    @AfterEach
    void stop() {
        ec2.close();
        iam.close();
        ec2Server.close();
        iamServer.close();
    }

    Responder responder(String steps) {
        var ex = new RespondExecutors("respond-test", null, null, Set.of(), null, ec2, iam, null, null, null, null, null, null).build();
        String yaml = "name: contain-instance\nmatch: {source: [bulwark.triage]}\nsteps:\n" + steps;
        return new Responder(Events.playbooks(yaml), ex, state, Clock.fixed(NOW, ZoneOffset.UTC), Responder.Options.defaults().withPrincipal("respond-test"));
    }

    PlaybookRun run(Responder r) {
        return r.handle(Events.incident("e1", "inc-ec2", null, null)).run("contain-instance");
    }

    List<String> modifications() {
        return ec2Server.requests.stream().filter(q -> "ModifyNetworkInterfaceAttribute".equals(q.action()))
                .map(q -> q.form().get("NetworkInterfaceId") + "->" + q.form().entrySet().stream().filter(e -> e.getKey().startsWith("SecurityGroupId."))
                        .map(e -> e.getValue()).collect(Collectors.joining(",")))
                .toList();
    }

    @Test
    void isolateSwapsEveryEniToTheAllowAllGroupFirstThenToTheRulelessGroupAndReleaseRestoresTheGroups() {
        Responder r = responder("  - {id: isolate, action: ec2.isolate}\n");
        PlaybookRun run = run(r);
        assertEquals(StepStatus.DONE, run.step("isolate").status(), run.step("isolate").message());
        assertEquals(List.of("DescribeInstances", "DescribeSecurityGroups", "CreateSecurityGroup", "AuthorizeSecurityGroupIngress",
                "AuthorizeSecurityGroupEgress", "DescribeSecurityGroups", "ModifyNetworkInterfaceAttribute", "ModifyNetworkInterfaceAttribute",
                "ModifyNetworkInterfaceAttribute", "ModifyNetworkInterfaceAttribute"), ec2Server.actions());
        // step 1: every ENI to the staging group (connections become untracked); step 2: to the isolation group
        assertEquals(List.of("eni-1->sg-staging", "eni-2->sg-staging", "eni-1->sg-iso", "eni-2->sg-iso"), modifications());
        var create = ec2Server.requests.get(2).form();
        assertEquals("bulwark-isolation-staging", create.get("GroupName"));
        assertEquals("vpc-1", create.get("VpcId"));
        var ingress = ec2Server.requests.get(3).form();
        assertEquals("-1", ingress.get("IpPermissions.1.IpProtocol"));
        assertEquals("0.0.0.0/0", ingress.get("IpPermissions.1.IpRanges.1.CidrIp"));
        assertEquals("::/0", ingress.get("IpPermissions.1.Ipv6Ranges.1.CidrIpv6"));

        List<StepOutcome> undone = r.release("inc-ec2", "alice@example.com");
        assertEquals(StepStatus.DONE, undone.get(0).status(), undone.toString());
        List<String> all = modifications();
        assertEquals(List.of("eni-1->sg-app,sg-ssh", "eni-2->sg-app"), all.subList(4, 6), "the recorded groups are back");
    }

    @Test
    void revokeSessionsPutsAnInlineDenyForTokensIssuedBeforeNowOnTheInstanceRoleAndReleaseDeletesIt() throws Exception {
        Responder r = responder("  - {id: revoke, action: iam.revoke-sessions}\n");
        PlaybookRun run = run(r);
        assertEquals(StepStatus.DONE, run.step("revoke").status(), run.step("revoke").message());
        assertEquals(List.of("DescribeInstances"), ec2Server.actions());
        assertEquals(List.of("GetInstanceProfile", "PutRolePolicy"), iamServer.actions());
        assertEquals("bulwark-node", iamServer.requests.get(0).form().get("InstanceProfileName"));
        var put = iamServer.requests.get(1).form();
        assertEquals("bulwark-node-role", put.get("RoleName"));
        assertEquals("BulwarkRevokeOlderSessions-inc-ec2", put.get("PolicyName"));
        JsonNode doc = Json.mapper().readTree(put.get("PolicyDocument"));
        JsonNode st = doc.path("Statement").path(0);
        assertEquals("Deny", st.path("Effect").asText());
        assertEquals("*", st.path("Action").asText());
        assertEquals("2026-12-07T03:41:07Z", st.path("Condition").path("DateLessThan").path("aws:TokenIssueTime").asText(),
                "sessions issued before the step's time (the responder's clock) are denied");

        r.release("inc-ec2", "alice@example.com");
        assertEquals("DeleteRolePolicy", iamServer.actions().get(2));
        assertEquals("BulwarkRevokeOlderSessions-inc-ec2", iamServer.requests.get(2).form().get("PolicyName"));
    }

    @Test
    void terminationProtectionKeepVolumesAndSnapshotAndTheirUndo() {
        Responder r = responder("""
                  - {id: protect, action: ec2.termination-protection}
                  - {id: keep, action: ec2.keep-volumes}
                  - {id: snapshot, action: ec2.snapshot, params: {tags: [case=42]}}
                """);
        PlaybookRun run = run(r);
        run.steps().forEach(s -> assertEquals(StepStatus.DONE, s.status(), s.toString()));
        List<FakeHttp.Request> mods = ec2Server.requests.stream().filter(q -> "ModifyInstanceAttribute".equals(q.action())).toList();
        assertEquals("true", mods.get(0).form().get("DisableApiTermination.Value"));
        assertEquals("true", mods.get(1).form().get("DisableApiStop.Value"));
        // only the volume that was deleted on termination is changed
        assertEquals("/dev/xvda", mods.get(2).form().get("BlockDeviceMapping.1.DeviceName"));
        assertEquals("false", mods.get(2).form().get("BlockDeviceMapping.1.Ebs.DeleteOnTermination"));
        assertEquals(null, mods.get(2).form().get("BlockDeviceMapping.2.DeviceName"));
        var snap = ec2Server.requests.stream().filter(q -> "CreateSnapshots".equals(q.action())).findFirst().orElseThrow().form();
        assertEquals("i-0123456789abcdef0", snap.get("InstanceSpecification.InstanceId"));
        assertEquals("snapshot", snap.get("TagSpecification.1.ResourceType"));
        assertEquals("bulwark:incident", snap.get("TagSpecification.1.Tag.1.Key"));
        assertEquals("inc-ec2", snap.get("TagSpecification.1.Tag.1.Value"));
        assertEquals("bulwark:instance", snap.get("TagSpecification.1.Tag.3.Key"));
        assertEquals("case", snap.get("TagSpecification.1.Tag.4.Key"));
        assertTrue(run.step("snapshot").message().contains("snap-1, snap-2"), run.step("snapshot").message());

        int before = ec2Server.requests.size();
        List<StepOutcome> undone = r.release("inc-ec2", "alice@example.com");
        assertEquals(2, undone.size(), "the snapshot is evidence: not undone; " + undone);
        var after = ec2Server.requests.subList(before, ec2Server.requests.size());
        assertEquals("true", after.get(0).form().get("BlockDeviceMapping.1.Ebs.DeleteOnTermination"), "keep-volumes undone first (newest first)");
        assertEquals("false", after.get(1).form().get("DisableApiTermination.Value"), "protection back to what it was");
    }

    @Test
    void anEventWithoutAnInstanceIsSkippedWithoutACall() {
        Responder r = responder("  - {id: isolate, action: ec2.isolate}\n");
        var e = Events.incident("e1", "inc-x", null, null);
        ((com.fasterxml.jackson.databind.node.ObjectNode) e.path("detail").path("node")).remove("instance_id");
        PlaybookRun run = r.handle(e).run("contain-instance");
        assertEquals(StepStatus.SKIPPED, run.step("isolate").status());
        assertTrue(ec2Server.requests.isEmpty());
    }
}
