package io.bulwark.sensor.testing;

import io.bulwark.sensor.enrich.Containers;
import io.bulwark.sensor.enrich.ContainerResolver;

/** The container source sensor tests use: the real resolver over this node's runtime state. */
public final class TestContainers {
    private TestContainers() {}

    public static Containers resolver() {
        return Containers.of(new ContainerResolver());
    }
}
