package io.bulwark.sensor.enrich;

import io.bulwark.contract.ContainerInfo;

/** Finds the container a cgroup belongs to. Null means "not a known container". */
@FunctionalInterface
public interface ContainerLookup {
    ContainerInfo byCgroupId(long cgroupId);

    /**
     * As {@link #byCgroupId}, told whether the kernel saw the task as containerised (its mount or
     * pid namespace is not the host's): an implementation may then work harder to find a container
     * that has only just started.
     */
    default ContainerInfo resolve(long cgroupId, boolean containerised) {
        return byCgroupId(cgroupId);
    }

    ContainerLookup NONE = id -> null;
}
