package io.bulwark.functions.respond.act.ec2;

import io.bulwark.response.action.ActionExecutor;
import io.bulwark.response.action.ActionRequest;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Instance;

/** EC2 executors: the instance is the event's {@code detail.node.instance_id} (target {@code ec2-instance/ID}). */
public abstract class Ec2Executor implements ActionExecutor {
    protected final Ec2Client ec2;

    protected Ec2Executor(Ec2Client ec2) {
        this.ec2 = ec2;
    }

    /** {@code i-…} from {@code ec2-instance/i-…[/role]}, or null. */
    protected static String instanceId(ActionRequest r) {
        String t = r.target();
        if (t == null || !t.startsWith("ec2-instance/")) return null;
        String rest = t.substring("ec2-instance/".length());
        int slash = rest.indexOf('/');
        String id = slash < 0 ? rest : rest.substring(0, slash);
        return id.isEmpty() ? null : id;
    }

    /** The instance, or null when EC2 does not know it. */
    protected Instance describe(String id) {
        var res = ec2.describeInstances(DescribeInstancesRequest.builder().instanceIds(id).build());
        return res.reservations().stream().flatMap(x -> x.instances().stream()).filter(i -> id.equals(i.instanceId())).findFirst().orElse(null);
    }
}
