package io.bulwark.stack;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/** A local stack on free ports in a directory of the test's. */
final class StackFixture {
    private StackFixture() {}

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The stack without triage: the tests that read the alerts queue themselves. */
    static LocalStack start(Path dir) throws Exception {
        return start(dir, false);
    }

    static LocalStack start(Path dir, boolean triage) throws Exception {
        return start(dir, triage, System.err, 0);
    }

    /** With the stack's log into {@code log} and the shipper's /metrics on {@code metricsPort} (0: none). */
    static LocalStack start(Path dir, boolean triage, java.io.PrintStream log, int metricsPort) throws Exception {
        LocalStack s = new LocalStack(log);
        s.noTriage = !triage;
        s.dir = dir;
        s.sqsPort = freePort();
        s.s3Port = freePort();
        s.eventsPort = freePort();
        s.metricsPort = metricsPort;
        try {
            s.start();
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
        return s;
    }
}
