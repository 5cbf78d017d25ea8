package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A program whose tracepoint this kernel lacks fails to attach, is reported by name with its
 * errno, and does not stop the others; a bad object path is an error naming the file.
 */
class AttachFailureTest {
    private static Path testObject(String name) {
        return Path.of(System.getProperty("bulwark.testBpf", "target/test-bpf"), name);
    }

    @Tag("kernel")
    @Test
    void missingTracepointIsReportedByNameAndTheOthersStillAttach() {
        try (BpfObject o = BpfObject.open(testObject("missing_tp.bpf.o"))) {
            o.load();
            Map<String, String> failed = o.attachAll();
            assertEquals(java.util.List.of("present_tp"), o.attached());
            assertTrue(failed.containsKey("missing_tp"), "failed: " + failed);
            assertTrue(failed.get("missing_tp").startsWith("ENOENT"), failed.get("missing_tp"));
        }
    }

    @Test
    void unreadableObjectIsAnErrorNamingTheFile() {
        BpfException e = org.junit.jupiter.api.Assertions.assertThrows(BpfException.class,
                () -> BpfObject.open(Path.of("/nonexistent/bulwark.bpf.o")));
        assertTrue(e.getMessage().contains("/nonexistent/bulwark.bpf.o"), e.getMessage());
        assertTrue(e.getMessage().contains("ENOENT"), e.getMessage());
    }
}
