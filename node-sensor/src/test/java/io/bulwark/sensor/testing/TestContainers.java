package io.bulwark.sensor.testing;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.sensor.Sensor;
import java.util.List;

/** The container source sensor tests use. */
public final class TestContainers {
    private TestContainers() {}

    public static Sensor.Containers resolver() {
        return new Sensor.Containers() {
            @Override
            public void refresh() {}

            @Override
            public Iterable<ContainerInfo> all() {
                return List.of();
            }

            @Override
            public ContainerInfo byCgroupId(long cgroupId) {
                return null;
            }
        };
    }
}
