package io.bulwark.functions.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.event.ruler.Machine;

/**
 * The two rule patterns infra/ adds for issue 13, matched by event-ruler as EventBridge would:
 * {@code guardduty-finding.json} (the default bus's rule sending GuardDuty Runtime Monitoring findings to the
 * alerts queue) and {@code approval.json} (approval, release and kill-switch events to the respond function).
 * The files are read from src/main/resources/patterns, the ones infra/modules/bus reads with file().
 */
class InfraRulePatternsTest {

    static Machine machine(String name) throws Exception {
        Machine m = new Machine();
        m.addRule(name, Files.readString(Path.of("src/main/resources/patterns/" + name + ".json")));
        return m;
    }

    static String fixture(String path) throws Exception {
        return Files.readString(Path.of("src/test/resources/fixtures/" + path), StandardCharsets.UTF_8);
    }

    @Test
    void guardDutyRuntimeFindingsMatchOtherFindingsAndSourcesDoNot() throws Exception {
        Machine m = machine("guardduty-finding");
        String runtime = fixture("triage/guardduty-runtime.json");
        assertEquals(List.of("guardduty-finding"), m.rulesForJSONEvent(runtime), "a Runtime Monitoring finding");
        for (String t : List.of("Execution:Runtime/NewBinaryExecuted", "DefenseEvasion:Runtime/ProcessInjection.Proc",
                "CryptoCurrency:Runtime/BitcoinTool.B")) {
            assertEquals(List.of("guardduty-finding"), m.rulesForJSONEvent(runtime.replace("PrivilegeEscalation:Runtime/DockerSocketAccessed", t)), t);
        }
        // findings of other GuardDuty features are not container escapes: triage never sees them
        for (String t : List.of("Recon:EC2/PortProbeUnprotectedPort", "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
                "PrivilegeEscalation:Kubernetes/PrivilegedContainer")) {
            assertEquals(List.of(), m.rulesForJSONEvent(runtime.replace("PrivilegeEscalation:Runtime/DockerSocketAccessed", t)), t);
        }
        assertEquals(List.of(), m.rulesForJSONEvent(runtime.replace("\"source\":\"aws.guardduty\"", "\"source\":\"bulwark.sensor\"")), "another source");
        assertEquals(List.of(), m.rulesForJSONEvent(runtime.replace("\"detail-type\":\"GuardDuty Finding\"", "\"detail-type\":\"GuardDuty Malware Protection Object Scan Result\"")),
                "another detail-type");
    }

    @Test
    void approvalReleaseAndKillSwitchEventsReachRespondAlertsDoNot() throws Exception {
        Machine m = machine("approval");
        for (String dt : List.of("Response Approval", "Response Release", "Response Kill Switch")) {
            String e = "{\"version\":\"0\",\"id\":\"1\",\"source\":\"bulwark.approval\",\"detail-type\":\"" + dt
                    + "\",\"account\":\"111122223333\",\"region\":\"eu-west-1\",\"time\":\"2026-12-07T04:00:00Z\",\"resources\":[],\"detail\":{\"principal\":\"alice\"}}";
            assertEquals(List.of("approval"), m.rulesForJSONEvent(e), dt);
        }
        String alert = "{\"version\":\"0\",\"id\":\"2\",\"source\":\"bulwark.sensor\",\"detail-type\":\"Container Escape Alert\",\"account\":\"111122223333\","
                + "\"region\":\"eu-west-1\",\"time\":\"2026-12-07T04:00:00Z\",\"resources\":[],\"detail\":{\"priority\":\"CRITICAL\"}}";
        assertEquals(List.of(), m.rulesForJSONEvent(alert));
    }
}
