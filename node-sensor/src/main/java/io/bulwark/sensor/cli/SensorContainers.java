package io.bulwark.sensor.cli;

import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.enrich.Containers;

/** The container source the CLI verbs use: every runtime's state on this node. */
final class SensorContainers {
    private SensorContainers() {}

    static Containers create() {
        return Containers.of(new ContainerResolver());
    }

    static Containers of(ContainerResolver resolver) {
        return Containers.of(resolver);
    }
}
