package io.bulwark.sensor.rules.scenarios;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.sensor.testing.RuncContainer;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A container sharing the host's network or IPC namespace is reported at its start (INFO, vector
 * host-namespaces); an ordinary container is not.
 */
@Tag("containers")
@Timeout(120)
class HostNamespacesStartTest {
    @Test
    void hostNetworkAndHostIpcStartsAreReported() {
        Scenarios.sensor();
        Scenarios.engine();
        try (RuncContainer net = RuncContainer.builder().hostNetwork().start();
             RuncContainer ipc = RuncContainer.builder().hostIpc().start()) {
            Scenarios.Alert a = Scenarios.expectStart(net, "host-namespaces");
            assertTrue(a.output().contains("network"), a.output());
            Scenarios.Alert b = Scenarios.expectStart(ipc, "host-namespaces");
            assertTrue(b.output().contains("ipc"), b.output());
        }
    }

    @Test
    void anOrdinaryContainerStartIsNotAHostNamespaceStart() {
        Scenarios.sensor();
        Scenarios.engine();
        try (RuncContainer plain = RuncContainer.builder().start()) {
            plain.exec("/bin/true");
            Scenarios.sleep(300);
            List<Scenarios.Alert> all = Scenarios.alerts(plain, 0);
            assertTrue(all.stream().noneMatch(x -> "host-namespaces".equals(x.vector())), "default container: " + all);
        }
    }
}
