package io.bulwark.sensor.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.ContainerInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Docker (moby). dockerd asks containerd to run runc with the root
 * {@code /run/docker/runtime-runc/moby/<id>/state.json}; the bundle is containerd's task
 * directory ({@code /run/containerd/io.containerd.runtime.v2.task/moby/<id>/}). Name
 * ({@code "Name": "/web"}), image ({@code Config.Image}) and labels (the kubelet's
 * {@code io.kubernetes.*} under dockershim or cri-dockerd) come from
 * {@code /var/lib/docker/containers/<id>/config.v2.json}.
 */
final class DockerReader implements RuntimeReader {

    @Override
    public String describe(StateRoots roots) {
        return "docker (" + roots.dockerRunc() + ")";
    }

    @Override
    public void read(ReadContext ctx, Consumer<Found> out) {
        for (Path ns : RuncReader.subdirectories(ctx.roots().dockerRunc(), ctx)) {
            for (Path dir : RuncReader.subdirectories(ns, ctx)) {
                Path stateFile = dir.resolve("state.json");
                if (!Files.isRegularFile(stateFile)) {
                    continue;
                }
                RuncStateFile s = RuncStateFile.read(stateFile, ctx);
                if (s != null) {
                    String bundle = s.bundle() != null ? s.bundle()
                            : "/run/containerd/io.containerd.runtime.v2.task/" + ns.getFileName() + "/" + s.id();
                    out.accept(complete(s, bundle, stateFile, ctx));
                }
            }
        }
    }

    static Found complete(RuncStateFile s, String bundle, Path stateFile, ReadContext ctx) {
        String name = s.id();
        String image = null;
        ContainerInfo.K8s k8s = null;
        Path meta = ctx.roots().dockerData().resolve("containers").resolve(s.id()).resolve("config.v2.json");
        if (Files.isRegularFile(meta)) {
            JsonNode c = ctx.json(meta);
            if (c != null) {
                String n = c.path("Name").asText("");
                if (!n.isEmpty()) {
                    name = n.startsWith("/") ? n.substring(1) : n;
                }
                image = OciConfig.emptyToNull(c.path("Config").path("Image").asText(""));
                k8s = Attribution.k8s(OciConfig.stringMap(c.path("Config").path("Labels")));
            }
        }
        if (k8s == null) {
            k8s = Attribution.k8s(s.config().annotations());
        }
        if (k8s != null) {
            name = Attribution.name(k8s, name);
        }
        return new Found("docker", s.id(), name, image, s.pid(), s.startTime(), s.createdOnly(), bundle, s.rootfs(),
                s.cgroupPath(), s.config(), k8s, stateFile);
    }
}
