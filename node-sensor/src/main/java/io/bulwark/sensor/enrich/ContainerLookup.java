package io.bulwark.sensor.enrich;

import io.bulwark.contract.ContainerInfo;

/** Finds the container a cgroup belongs to. Null means "not a known container". */
@FunctionalInterface
public interface ContainerLookup {
    ContainerInfo byCgroupId(long cgroupId);

    ContainerLookup NONE = id -> null;
}
