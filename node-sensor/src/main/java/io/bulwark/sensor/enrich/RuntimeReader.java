package io.bulwark.sensor.enrich;

import io.bulwark.contract.ContainerInfo;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Reads one runtime's state directory. A reader never throws for a bad entry: it reports the
 * file through {@link ReadContext#warn} and goes on with the next one.
 */
interface RuntimeReader {

    /** A container as its state files describe it, before the live facts from /proc are added. */
    record Found(String runtime, String id, String name, String image, int pid, long startTime, boolean createdOnly,
                 String bundle, String rootfs, String cgroupPath, OciConfig config, ContainerInfo.K8s k8s,
                 Path stateFile) {}

    /** What readers share: the roots, a JSON cache and the warning sink. */
    interface ReadContext {
        StateRoots roots();

        /** Parsed JSON of a file, cached by modification time; null (after a warning) when unreadable or corrupt. */
        com.fasterxml.jackson.databind.JsonNode json(Path file);

        void warn(Path file, String reason);
    }

    /** Short description for messages: {@code runc (/run/runc)}. */
    String describe(StateRoots roots);

    void read(ReadContext ctx, Consumer<Found> out);
}
