package io.bulwark.response;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The default playbook's match (patterns/containment.json) against real alert envelopes, with the real event-ruler. */
class DefaultPlaybookMatchTest {
    private final Playbook playbook = PlaybookLoader.defaultPlaybooks().get(0);

    static String event(String name) {
        try (InputStream in = DefaultPlaybookMatchTest.class.getClassLoader().getResourceAsStream("events/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean matches(String name) {
        JsonNode e = Responder.parseEvent(event(name));
        return playbook.match().matches(e);
    }

    @Test
    void matchesACriticalAlert() {
        assertTrue(matches("critical-core-pattern.json"));
    }

    @Test
    void matchesAConfirmedVectorAtError() {
        // cgroup-release-agent at ERROR (cgroup mounted in a container): a confirmed vector, not CRITICAL
        assertTrue(matches("error-cgroup-mount.json"));
    }

    @Test
    void doesNotMatchNoticeReconOrAWarningOnAListedVector() {
        assertFalse(matches("notice-recon.json"));
        assertFalse(matches("warning-confirmed-vector.json"));
        // a recon twin keeps its vector, here one the pattern confirms at ERROR (ns-enter-host): NOTICE does not freeze
        assertFalse(matches("notice-recon-confirmed-vector.json"));
    }

    @Test
    void thePatternIsTheFileTerraformUses() throws IOException {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("patterns/containment.json")) {
            String file = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(file, playbook.match().json());
        }
        assertEquals("../patterns/containment.json", playbook.matchFile());
    }
}
