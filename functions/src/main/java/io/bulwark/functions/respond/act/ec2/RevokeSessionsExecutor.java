package io.bulwark.functions.respond.act.ec2;

import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.DeleteRolePolicyRequest;
import software.amazon.awssdk.services.iam.model.GetInstanceProfileRequest;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.PutRolePolicyRequest;

/**
 * {@code iam.revoke-sessions}: the instance profile's role gets an inline policy denying everything to credentials
 * issued before now ({@code DateLessThan aws:TokenIssueTime}), as IAM's "revoke active sessions" does. Credentials
 * an attacker copied off the node stop working; the instance's fresh credentials (issued later) keep working.
 * Undo deletes the inline policy.
 */
public final class RevokeSessionsExecutor extends Ec2Executor {
    private final IamClient iam;

    public RevokeSessionsExecutor(Ec2Client ec2, IamClient iam) {
        super(ec2);
        this.iam = iam;
    }

    @Override
    public String action() {
        return "iam.revoke-sessions";
    }

    /** The policy document denying every action to sessions issued before {@code before}. */
    public static String policy(Instant before) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"BulwarkRevokeOlderSessions\",\"Effect\":\"Deny\",\"Action\":\"*\","
                + "\"Resource\":\"*\",\"Condition\":{\"DateLessThan\":{\"aws:TokenIssueTime\":\"" + before.truncatedTo(ChronoUnit.SECONDS) + "\"}}}]}";
    }

    static String policyName(String incident) {
        String s = "BulwarkRevokeOlderSessions-" + incident.replaceAll("[^A-Za-z0-9+=,.@_-]", "_");
        return s.length() > 128 ? s.substring(0, 128) : s;
    }

    @Override
    public ActionResult execute(ActionRequest r) {
        String id = instanceId(r);
        if (id == null) return ActionResult.skipped("no EC2 instance in the event (detail.node.instance_id)");
        Instance inst = describe(id);
        if (inst == null) return ActionResult.skipped("instance " + id + " not found");
        if (inst.iamInstanceProfile() == null || inst.iamInstanceProfile().arn() == null) {
            return ActionResult.skipped("instance " + id + " has no instance profile: no role sessions to revoke");
        }
        String arn = inst.iamInstanceProfile().arn();
        String profile = arn.substring(arn.lastIndexOf('/') + 1);
        var roles = iam.getInstanceProfile(GetInstanceProfileRequest.builder().instanceProfileName(profile).build()).instanceProfile().roles();
        if (roles.isEmpty()) return ActionResult.skipped("instance profile " + profile + " has no role");
        String role = roles.get(0).roleName();
        Instant now = r.requestedAt();
        String name = policyName(r.incident());
        iam.putRolePolicy(PutRolePolicyRequest.builder().roleName(role).policyName(name).policyDocument(policy(now)).build());
        return ActionResult.done("role " + role + ": sessions issued before " + now.truncatedTo(ChronoUnit.SECONDS) + " denied (inline policy " + name + ")",
                Map.of("role", role, "policy", name, "token_issued_before", now.truncatedTo(ChronoUnit.SECONDS).toString()));
    }

    @Override
    public ActionResult undo(ActionRequest r, ActionResult done) {
        Object role = done.details().get("role");
        Object name = done.details().get("policy");
        if (role == null || name == null) return ActionResult.failed("no role/policy recorded: cannot remove the deny policy");
        try {
            iam.deleteRolePolicy(DeleteRolePolicyRequest.builder().roleName(role.toString()).policyName(name.toString()).build());
        } catch (NoSuchEntityException e) {
            return ActionResult.skipped("inline policy " + name + " is no longer on role " + role);
        }
        return ActionResult.done("inline policy " + name + " removed from role " + role);
    }
}
