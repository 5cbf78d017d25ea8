package io.bulwark.sensor.enrich;

import io.bulwark.contract.ContainerInfo;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link ContainerResolver} for the decoder, with a throttle on re-reads: a containerised task in
 * a cgroup we do not know yet is most likely a container that has just started, whose state the
 * runtime is still writing; the state is then re-read at most every {@link #RETRY_NS} for that
 * cgroup during its first {@link #EAGER_NS}, so its first actions are attributed. Host tasks never
 * force a re-read (cgroup_mkdir and the resolver's own rate-limited miss refresh cover them).
 */
final class ThrottledContainers implements Containers {
    /** How long after its first miss a cgroup may force re-reads, and how often. */
    static final long EAGER_NS = 10_000_000_000L, RETRY_NS = 5_000_000L;
    /** Past this many cgroups being tried, the memory of them is dropped (a flood of short-lived cgroups). */
    static final int MAX_TRIED = 4096;

    private final ContainerResolver resolver;
    /** Per cgroup id: time of its first miss, time of its last forced re-read (Long.MIN_VALUE: none). */
    private final Map<Long, long[]> misses = new ConcurrentHashMap<>();

    ThrottledContainers(ContainerResolver resolver) {
        this.resolver = resolver;
    }

    @Override
    public void refresh() {
        resolver.refresh();
    }

    @Override
    public Iterable<ContainerInfo> all() {
        return resolver.all();
    }

    @Override
    public ContainerInfo byCgroupId(long cgroupId) {
        return resolve(cgroupId, true);
    }

    @Override
    public ContainerInfo resolve(long cgroupId, boolean containerised) {
        if (cgroupId <= 1) {
            return null;
        }
        ContainerInfo c = resolver.byCgroupId(cgroupId);
        if (c != null) {
            return c;
        }
        if (containerised) {
            long now = System.nanoTime();
            long[] m = misses.computeIfAbsent(cgroupId, k -> new long[] {now, Long.MIN_VALUE});
            if (now - m[0] < EAGER_NS && (m[1] == Long.MIN_VALUE || now - m[1] >= RETRY_NS)) {
                m[1] = now;
                resolver.refresh();
                c = resolver.byCgroupId(cgroupId);
                if (c != null) {
                    misses.remove(cgroupId);
                }
                return c;
            }
            if (misses.size() > MAX_TRIED) {
                misses.clear();
            }
        }
        return resolver.resolve(cgroupId);
    }
}
