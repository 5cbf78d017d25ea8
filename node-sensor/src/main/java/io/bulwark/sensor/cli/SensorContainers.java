package io.bulwark.sensor.cli;

import io.bulwark.sensor.Sensor;
import io.bulwark.sensor.enrich.ContainerResolver;

/** The container source the CLI verbs use: every runtime's state on this node. */
final class SensorContainers {
    private SensorContainers() {}

    static Sensor.Containers create() {
        return Sensor.Containers.of(new ContainerResolver());
    }

    static Sensor.Containers of(ContainerResolver resolver) {
        return Sensor.Containers.of(resolver);
    }
}
