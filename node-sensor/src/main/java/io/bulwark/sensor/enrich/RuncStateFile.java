package io.bulwark.sensor.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One runc (libcontainer) {@code state.json}: the layout runc writes under its {@code --root}
 * for plain runc, Docker, containerd's runc shim, Podman and CRI-O alike. The OCI config comes
 * from the bundle's {@code config.json} when it is still there, else from the copy runc embeds.
 */
record RuncStateFile(String id, int pid, long startTime, boolean createdOnly, String bundle, String rootfs,
                     String cgroupPath, OciConfig config) {

    /** Null (after a warning) when the file is unreadable, corrupt, or not a runc state. */
    static RuncStateFile read(Path stateFile, RuntimeReader.ReadContext ctx) {
        JsonNode state = ctx.json(stateFile);
        if (state == null) {
            return null;
        }
        if (!state.hasNonNull("id") || !state.path("config").isObject()) {
            ctx.warn(stateFile, "not a runc state file (no id or config)");
            return null;
        }
        JsonNode lc = state.path("config");
        String bundle = OciConfig.bundleLabel(lc);
        OciConfig config = null;
        Path bundleConfig = ctx.roots().onHost(bundle == null ? null : bundle + "/config.json");
        if (bundleConfig != null && Files.isRegularFile(bundleConfig)) {
            JsonNode spec = ctx.json(bundleConfig);
            if (spec != null) {
                config = OciConfig.fromOci(spec);
            }
        }
        if (config == null) {
            config = OciConfig.fromLibcontainer(lc);
        }
        // runc records the cgroup2 directory under the "" key (or every controller on cgroup1)
        String cgroup = OciConfig.text(state.path("cgroup_paths"), "");
        if (cgroup == null) {
            cgroup = config.cgroupsPath();
        }
        boolean fifo = Files.exists(stateFile.resolveSibling("exec.fifo"));
        return new RuncStateFile(state.path("id").asText(), state.path("init_process_pid").asInt(),
                state.path("init_process_start").asLong(), fifo, bundle, OciConfig.text(lc, "rootfs"), cgroup, config);
    }
}
