package io.bulwark.sensor.testing;

import io.bulwark.sensor.Sensor;
import io.bulwark.sensor.enrich.ContainerResolver;

/** The container source sensor tests use: the real resolver over this node's runtime state. */
public final class TestContainers {
    private TestContainers() {}

    public static Sensor.Containers resolver() {
        return Sensor.Containers.of(new ContainerResolver());
    }
}
