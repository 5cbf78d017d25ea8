package io.bulwark.sensor.act;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * The cgroup freezer, both generations. cgroup2: {@code cgroup.freeze} 1/0, done when
 * {@code cgroup.events} says {@code frozen 1}/{@code frozen 0}. cgroup1: {@code freezer.state}
 * FROZEN/THAWED, done when it reads back FROZEN/THAWED (FREEZING in between). cgroup2 is used when
 * the container has a cgroup2 directory with {@code cgroup.freeze} (a hybrid host has both; runc
 * puts containers in both), else the v1 freezer. Frozen tasks keep their memory, so evidence can
 * still be read from them.
 */
final class Freezer {
    private Freezer() {}

    static final String V2 = "cgroup2", V1 = "freezer-v1";

    /** Which mechanism a freeze of {@code cg} uses, or null when there is none. */
    static String mechanism(ContainerCgroup cg) {
        if (cg.v2Dir() != null && Files.exists(cg.v2Dir().resolve("cgroup.freeze"))) {
            return V2;
        }
        if (cg.freezerDir() != null && Files.exists(cg.freezerDir().resolve("freezer.state"))) {
            return V1;
        }
        return null;
    }

    /** Asks the kernel to freeze the cgroup; returns at once (the tasks freeze as they reach a safe point). */
    static void requestFreeze(ContainerCgroup cg, String mechanism) throws IOException {
        if (V2.equals(mechanism)) {
            Files.writeString(cg.v2Dir().resolve("cgroup.freeze"), "1");
        } else {
            Files.writeString(cg.freezerDir().resolve("freezer.state"), "FROZEN");
        }
    }

    /** True when the kernel says every task of the cgroup is frozen, by {@code mechanism}. */
    static boolean isFrozen(ContainerCgroup cg, String mechanism) {
        return V2.equals(mechanism) ? v2Frozen(cg.v2Dir()) : "FROZEN".equals(v1State(cg.freezerDir()));
    }

    /** Thaws whichever freezer holds the cgroup; returns the mechanisms it thawed (empty when none was frozen). */
    static java.util.List<String> thaw(ContainerCgroup cg, long timeoutNs) throws IOException, NodeAction.Failed {
        java.util.List<String> thawed = new java.util.ArrayList<>();
        if (cg.v2Dir() != null && Files.exists(cg.v2Dir().resolve("cgroup.freeze"))
                && "1".equals(Files.readString(cg.v2Dir().resolve("cgroup.freeze")).trim())) {
            Files.writeString(cg.v2Dir().resolve("cgroup.freeze"), "0");
            if (!await(() -> !v2Frozen(cg.v2Dir()), timeoutNs)) {
                throw new NodeAction.Failed("timeout: cgroup.events still says frozen 1");
            }
            thawed.add(V2);
        }
        if (cg.freezerDir() != null && Files.exists(cg.freezerDir().resolve("freezer.state"))
                && !"THAWED".equals(v1State(cg.freezerDir()))) {
            Files.writeString(cg.freezerDir().resolve("freezer.state"), "THAWED");
            if (!await(() -> "THAWED".equals(v1State(cg.freezerDir())), timeoutNs)) {
                throw new NodeAction.Failed("timeout: freezer.state is not THAWED");
            }
            thawed.add(V1);
        }
        return thawed;
    }

    /** True when the cgroup is frozen (either freezer). */
    static boolean frozen(ContainerCgroup cg) {
        return cg.v2Dir() != null && v2Frozen(cg.v2Dir()) || cg.freezerDir() != null && "FROZEN".equals(v1State(cg.freezerDir()));
    }

    static boolean v2Frozen(Path dir) {
        try {
            for (String l : Files.readAllLines(dir.resolve("cgroup.events"))) {
                if (l.startsWith("frozen ")) {
                    return l.substring(7).trim().equals("1");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static String v1State(Path dir) {
        try {
            return Files.readString(dir.resolve("freezer.state")).trim();
        } catch (IOException e) {
            return null;
        }
    }

    interface Check {
        boolean ok() throws IOException;
    }

    /** Polls every 0.2 ms at first, then every 2 ms (a freeze of a few tasks completes in well under a millisecond). */
    static boolean await(Check c, long timeoutNs) throws IOException {
        long start = System.nanoTime();
        int polls = 0;
        while (true) {
            if (c.ok()) {
                return true;
            }
            if (System.nanoTime() - start > timeoutNs) {
                return false;
            }
            LockSupport.parkNanos(++polls < 50 ? 200_000L : 2_000_000L);
        }
    }
}
