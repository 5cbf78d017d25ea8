package io.bulwark.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Run as an unprivileged user, the sensor says in one line what is wrong and how to fix it. */
@Timeout(120)
class BadEnvironmentIT {
    @Test
    void notRootIsOneClearMessageWithTheFix() throws Exception {
        String jar = Path.of(System.getProperty("bulwark.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath().toString();
        Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "java", "-Djava.io.tmpdir=/tmp", "-jar", jar, "capture", "--out", "/dev/null", "--seconds", "1")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), out);
        assertTrue(out.contains("must run as root"), out);
        assertTrue(!out.contains("Exception"), "no stack trace for a bad environment: " + out);
    }
}
