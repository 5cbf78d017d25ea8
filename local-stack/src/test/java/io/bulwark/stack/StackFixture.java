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

    static LocalStack start(Path dir) throws Exception {
        LocalStack s = new LocalStack();
        s.dir = dir;
        s.sqsPort = freePort();
        s.s3Port = freePort();
        s.eventsPort = freePort();
        s.metricsPort = 0;
        try {
            s.start();
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
        return s;
    }
}
