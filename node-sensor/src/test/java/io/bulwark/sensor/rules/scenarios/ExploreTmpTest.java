package io.bulwark.sensor.rules.scenarios;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.testing.RuncContainer;
import org.junit.jupiter.api.Test;

class ExploreTmpTest {
    @Test
    void dump() throws Exception {
        Scenarios.sensor();
        System.out.println("LOAD: " + Scenarios.standardLoad().errors() + "\nWARN: " + Scenarios.standardLoad().warnings()
                + "\nRULES: " + Scenarios.standardLoad().rules());
        Scenarios.engine();
        long t0 = Scenarios.now();
        try (RuncContainer d = RuncContainer.builder().start(); RuncContainer h = RuncContainer.builder().hostPid().start()) {
            d.exec("/bin/sh", "-c", "true");
            h.exec("/bin/sh", "-c", "true");
            Scenarios.sleep(500);
            for (RuncContainer c : new RuncContainer[]{d, h}) {
                System.out.println("=== " + c);
                for (SensorEvent e : Scenarios.sensor().all(e -> e.process().cgroupId() == c.cgroupId() && e.time() >= t0)) {
                    System.out.println(e.syscall().name() + " " + e.syscall().args() + " = " + e.syscall().result() + " rt=" + e.process().runtimeWork()
                            + " pid=" + e.process().pid() + " vpid=" + e.process().vpid() + " comm=" + e.process().comm() + " exe=" + e.process().exe()
                            + " anc=" + e.process().ancestors());
                    System.out.println("   ALERTS " + Scenarios.evaluate(e));
                }
            }
        }
    }
}
