package io.bulwark.sensor;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.sensor.enrich.Containers;
import io.bulwark.sensor.probe.Probe;
import io.bulwark.sensor.probe.Watchlist;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * What the decoder learns and the kernel's filter needs: which cgroups are containers' (their
 * tasks' syscalls are watched in full) and which host paths the containers' writable bind mounts
 * expose (writes through them cross the ring buffer). Each fact is pushed to the probe once.
 * Without a probe (the JIT warm-up) the same code runs and pushes nothing.
 */
final class KernelFilterFeedback {
    private static final Logger LOG = Logger.getLogger(KernelFilterFeedback.class);

    private final Probe probe;
    private final Containers containers;
    private final Set<Long> knownCgroups = ConcurrentHashMap.newKeySet();
    private final Set<String> knownPrefixes = ConcurrentHashMap.newKeySet();

    /** {@code probe} null: nothing is pushed (the warm-up's ring in memory has no kernel behind it). */
    KernelFilterFeedback(Probe probe, Containers containers) {
        this.probe = probe;
        this.containers = containers;
    }

    /** Re-reads the runtimes' state and tells the kernel about every container's writable binds. */
    void learnContainers() {
        containers.refresh();
        for (ContainerInfo c : containers.all()) {
            learnContainer(c);
        }
    }

    /**
     * Pushes one container's writable bind-mount points into the kernel's path filter, so that
     * writes through a hostPath (host-file-write, host-persistence) cross the ring buffer.
     * Read-only binds cannot be written; reads of sensitive files are caught by name.
     */
    void learnContainer(ContainerInfo c) {
        if (c.mounts() == null || probe == null) {
            return;
        }
        for (ContainerInfo.Mount m : c.mounts()) {
            String dest = m.destination();
            if (m.bind() && !m.readOnly() && dest != null && dest.startsWith("/") && dest.length() > 1 && knownPrefixes.add(dest)) {
                String prefix = dest.endsWith("/") ? dest : dest + "/";
                int flags = Watchlist.PATH_WRITE;
                for (Map.Entry<String, Integer> d : Watchlist.defaultPrefixes().entrySet()) {
                    if (prefix.startsWith(d.getKey())) {
                        flags |= d.getValue(); // a longer prefix must not weaken what a default one watches
                    }
                }
                try {
                    probe.addPathPrefix(prefix, flags);
                } catch (RuntimeException e) {
                    LOG.debugf("cannot watch mount point %s: %s", dest, e.getMessage());
                }
            }
        }
    }

    /** Registers a container cgroup id in the kernel (cgroup ids are learnt by the resolver). */
    void markContainerCgroup(long id) {
        if (!knownCgroups.contains(id) && knownCgroups.add(id) && probe != null) {
            probe.addContainerCgroup(id);
        }
    }
}
