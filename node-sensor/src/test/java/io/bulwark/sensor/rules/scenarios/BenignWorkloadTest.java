package io.bulwark.sensor.rules.scenarios;

import static io.bulwark.sensor.rules.scenarios.Scenarios.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.rules.scenarios.Scenarios.Alert;
import io.bulwark.sensor.testing.RuncContainer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ordinary work raises nothing at WARNING or above: shell loops, file churn in /tmp, untar, runc
 * exec sessions, and a privileged container doing ordinary things. The runtime's own work (runc
 * init's mounts, setns, setuid, capset, pivot_root) is part of every container's events here.
 */
@Tag("containers")
@Timeout(120)
class BenignWorkloadTest {
    static RuncContainer plain;
    static RuncContainer privileged;

    @BeforeAll
    static void start() {
        Scenarios.sensor();
        Scenarios.engine();
        plain = RuncContainer.builder().start();
        privileged = RuncContainer.builder().privileged().start();
    }

    @AfterAll
    static void stop() {
        try {
            if (plain != null) {
                plain.close();
            }
        } finally {
            if (privileged != null) {
                privileged.close();
            }
        }
    }

    private static void assertQuiet(RuncContainer c, long since, String what) {
        List<Alert> w = Scenarios.warnings(c, since);
        assertTrue(w.isEmpty(), what + " raised: " + w);
    }

    private static void run(RuncContainer c, String script) {
        RuncContainer.ExecResult r = c.exec(sh(script));
        assertEquals(0, r.exitCode(), script + ": " + r.output());
    }

    @Test
    void containerStartsAndTheRuntimesOwnWorkRaiseNothing() {
        // runc init's work is in the stream (mounts, pivot_root, setuid, capset) and never alerts
        long cg = plain.cgroupId();
        Scenarios.sensor().await("runc init mount", cg, e -> e.process().cgroupId() == cg
                && e.syscall().name().equals("mount") && e.process().runtimeWork());
        List<SensorEvent> runtime = Scenarios.sensor().all(e -> e.process().cgroupId() == cg && e.process().runtimeWork());
        assertTrue(runtime.size() > 10, "runc init's own events are present: " + runtime.size());
        assertQuiet(plain, 0, "starting a default container");
        assertQuiet(privileged, 0, "starting a privileged container");
    }

    @Test
    void shellLoops() {
        long t0 = Scenarios.now();
        run(plain, "i=0; while [ $i -lt 200 ]; do i=$((i+1)); echo $i > /dev/null; done; for x in a b c; do true; done");
        assertQuiet(plain, t0, "shell loops");
    }

    @Test
    void fileChurnInTmp() {
        long t0 = Scenarios.now();
        run(plain, "mkdir -p /tmp/churn && cd /tmp/churn && for i in $(seq 1 150); do echo data$i > f$i; "
                + "mv f$i g$i; ln -s g$i l$i; ln g$i h$i; done; rm -rf /tmp/churn");
        assertQuiet(plain, t0, "file churn");
    }

    @Test
    void untar() {
        long t0 = Scenarios.now();
        run(plain, "mkdir -p /tmp/src/etc /tmp/src/bin && echo x > /tmp/src/etc/conf && cp /bin/busybox /tmp/src/bin/tool"
                + " && cd /tmp && tar cf /tmp/a.tar src && mkdir -p /tmp/out && tar xf /tmp/a.tar -C /tmp/out && rm -rf /tmp/out /tmp/src /tmp/a.tar");
        assertQuiet(plain, t0, "tar");
    }

    @Test
    void runcExecSessions() {
        long t0 = Scenarios.now();
        for (int i = 0; i < 5; i++) {
            assertEquals(0, plain.exec("/bin/sh", "-c", "id; hostname; ls /").exitCode());
        }
        assertEquals(0, privileged.exec("/bin/ls", "/").exitCode());
        assertQuiet(plain, t0, "runc exec sessions");
        assertQuiet(privileged, t0, "runc exec into a privileged container");
    }

    @Test
    void privilegedContainerDoingOrdinaryWork() {
        long t0 = Scenarios.now();
        run(privileged, "ls -l / /dev /proc/self; cat /etc/hostname /proc/self/status /proc/mounts > /dev/null; ps; "
                + "sleep 1; df > /dev/null 2>&1; echo hello > /tmp/greeting; cat /tmp/greeting; rm /tmp/greeting; true");
        assertQuiet(privileged, t0, "a privileged container's ordinary work");
        Scenarios.expectStart(privileged, "privileged-container");
    }
}
