package io.bulwark.sensor.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * crun: {@code /run/crun/<id>/status} (JSON: {@code pid}, {@code process-start-time},
 * {@code cgroup-path}, {@code rootfs}, {@code bundle}, {@code systemd-cgroup}) next to a copy of
 * the OCI {@code config.json} (else the bundle's). Podman and CRI-O containers run by crun are
 * recognised by their annotations, as with runc.
 */
final class CrunReader implements RuntimeReader {

    @Override
    public String describe(StateRoots roots) {
        return "crun (" + roots.crun() + ")";
    }

    @Override
    public void read(ReadContext ctx, Consumer<Found> out) {
        for (Path dir : RuncReader.subdirectories(ctx.roots().crun(), ctx)) {
            Path statusFile = dir.resolve("status");
            if (!Files.isRegularFile(statusFile)) {
                continue;
            }
            JsonNode status = ctx.json(statusFile);
            if (status == null) {
                continue;
            }
            if (!status.has("pid") || !status.has("bundle")) {
                ctx.warn(statusFile, "not a crun status file (no pid or bundle)");
                continue;
            }
            String bundle = status.path("bundle").asText();
            Path configFile = dir.resolve("config.json");
            if (!Files.isRegularFile(configFile)) {
                configFile = ctx.roots().onHost(bundle + "/config.json");
            }
            JsonNode spec = configFile == null || !Files.isRegularFile(configFile) ? null : ctx.json(configFile);
            if (spec == null) {
                ctx.warn(statusFile, "no readable config.json beside it or in bundle " + bundle);
                continue;
            }
            OciConfig config = OciConfig.fromOci(spec);
            String rootfs = status.path("rootfs").asText(config.rootfs());
            if (rootfs != null && !rootfs.startsWith("/")) {
                rootfs = bundle + "/" + rootfs;
            }
            String id = dir.getFileName().toString();
            RuncStateFile s = new RuncStateFile(id, status.path("pid").asInt(),
                    status.path("process-start-time").asLong(), Files.exists(dir.resolve("exec.fifo")), bundle, rootfs,
                    OciConfig.emptyToNull(status.path("cgroup-path").asText("")), config);
            out.accept(RuncReader.classify("crun", statusFile, s, ctx));
        }
    }
}
