package io.bulwark.functions.respond;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.functions.respond.act.RespondExecutors;
import io.bulwark.functions.snapshot.EbsSnapshots;
import io.bulwark.functions.snapshot.Ec2QueryStandIn;
import io.bulwark.response.PlaybookRun;
import io.bulwark.response.Responder;
import io.bulwark.response.StepStatus;
import io.bulwark.response.state.InMemoryResponseState;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * respond's ec2.snapshot and the snapshot function ask for an incident's EBS snapshots once between them. EC2 has no
 * emulator here: {@link Ec2QueryStandIn} is a hand-written EC2 Query server on 127.0.0.1 that keeps the snapshots it
 * created with their tags, so DescribeSnapshots by tag answers as EC2 would.
 */
@Tag("servers")
class SnapshotOnceTest {
    static final Instant NOW = Instant.parse("2026-12-07T03:41:07.250Z");
    static final String INSTANCE = "i-0123456789abcdef0";

    Ec2QueryStandIn server;
    Ec2Client ec2;

    @BeforeEach
    void start() throws Exception {
        server = new Ec2QueryStandIn();
        server.addInstance(INSTANCE, new Ec2QueryStandIn.Volume("/dev/xvda", "vol-1"), new Ec2QueryStandIn.Volume("/dev/xvdb", "vol-2"));
        ec2 = Ec2Client.builder().region(Region.US_EAST_1).endpointOverride(URI.create(server.endpoint()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test-not-a-secret", "test-not-a-secret"))).build();
    }

    @AfterEach
    void stop() {
        ec2.close();
        server.close();
    }

    Responder responder(String playbook) {
        var ex = new RespondExecutors("respond-test", null, null, Set.of(), null, ec2, null, null, null, null, null, null, null).build();
        String yaml = "name: " + playbook + "\nmatch: {source: [bulwark.triage]}\nsteps:\n  - {id: snapshot, action: ec2.snapshot}\n";
        return new Responder(Events.playbooks(yaml), ex, new InMemoryResponseState(), Clock.fixed(NOW, ZoneOffset.UTC),
                Responder.Options.defaults().withPrincipal("respond-test"));
    }

    @Test
    void afterTheSnapshotFunctionRequestedThemTheStepNamesThemAndRequestsNothing() {
        EbsSnapshots.Result first = new EbsSnapshots(ec2).snapshot("inc-once", INSTANCE, "node-a");
        assertEquals(2, first.record().path("snapshots").size());
        assertEquals(1, server.requests("CreateSnapshots").size());

        PlaybookRun run = responder("contain").handle(Events.incident("e1", "inc-once", null, null)).run("contain");
        assertEquals(StepStatus.DONE, run.step("snapshot").status(), run.step("snapshot").toString());
        assertTrue(run.step("snapshot").message().contains("already requested"), run.step("snapshot").message());
        assertTrue(run.step("snapshot").message().contains(first.record().path("snapshots").get(0).path("snapshot_id").asText()));
        assertEquals(1, server.requests("CreateSnapshots").size(), "no second CreateSnapshots");
        assertEquals("inc-once", server.requests("DescribeSnapshots").get(1).get("Filter.1.Value.1"));
        assertEquals("self", server.requests("DescribeSnapshots").get(1).get("Owner.1"));
    }

    @Test
    void twoPlaybooksAndTheSnapshotFunctionSnapshotTheInstanceOnce() {
        PlaybookRun a = responder("contain").handle(Events.incident("e1", "inc-twice", null, null)).run("contain");
        assertTrue(a.step("snapshot").message().startsWith("snapshots requested"), a.step("snapshot").message());
        // another playbook (its own idempotency key) on the same incident
        PlaybookRun b = responder("forensics").handle(Events.incident("e2", "inc-twice", null, null)).run("forensics");
        assertTrue(b.step("snapshot").message().contains("already requested"), b.step("snapshot").message());
        assertEquals("already requested", new EbsSnapshots(ec2).snapshot("inc-twice", INSTANCE, "node-a").status());
        assertEquals(1, server.requests("CreateSnapshots").size());

        // another incident on the same instance is new evidence
        responder("contain").handle(Events.incident("e3", "inc-other", null, null)).run("contain");
        assertEquals(2, server.requests("CreateSnapshots").size());
    }
}
