package io.bulwark.functions.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** The EventBridge stand-in for @QuarkusTest classes; the function's bus points at it. */
public class EventBridgeStandInResource implements QuarkusTestResourceLifecycleManager {
    private EventBridgeStandIn standIn;

    @Override
    public Map<String, String> start() {
        try {
            standIn = new EventBridgeStandIn();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("bulwark.aws.events-endpoint", standIn.endpoint(),
                "bulwark.bus.kind", "eventbridge",
                "bulwark.bus.name", "bulwark-test-bus");
    }

    @Override
    public void stop() {
        if (standIn != null) {
            standIn.close();
        }
    }
}
