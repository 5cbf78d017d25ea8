package io.bulwark.sensor.enrich;

import io.bulwark.contract.ContainerInfo;

/** How the sensor finds containers: a lookup by cgroup id, all known containers, and a re-read when a cgroup appears. */
public interface Containers extends ContainerLookup {
    void refresh();

    Iterable<ContainerInfo> all();

    /**
     * Containers from the runtimes' state on this node. A cgroup id that is not known yet
     * triggers a (rate-limited) re-read, so a container that just started is attributed from
     * its first events; the root cgroup (host processes) never does ({@link ThrottledContainers}).
     */
    static Containers of(ContainerResolver resolver) {
        return new ThrottledContainers(resolver);
    }
}
