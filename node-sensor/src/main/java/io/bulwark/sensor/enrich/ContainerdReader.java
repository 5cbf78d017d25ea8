package io.bulwark.sensor.enrich;

import io.bulwark.contract.ContainerInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * containerd with its runc shim (io.containerd.runc.v2): runc state in
 * {@code /run/containerd/runc/<namespace>/<id>/state.json}, the bundle in
 * {@code /run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>/}. Kubernetes containers
 * (namespace {@code k8s.io}) carry the CRI plugin's {@code io.kubernetes.cri.*} annotations:
 * container name, sandbox (pod) name, namespace and uid, image name. Image names of plain
 * {@code ctr} containers live only in containerd's metadata database and are not read.
 */
final class ContainerdReader implements RuntimeReader {

    @Override
    public String describe(StateRoots roots) {
        return "containerd (" + roots.containerdRunc() + ")";
    }

    @Override
    public void read(ReadContext ctx, Consumer<Found> out) {
        for (Path ns : RuncReader.subdirectories(ctx.roots().containerdRunc(), ctx)) {
            String namespace = ns.getFileName().toString();
            for (Path dir : RuncReader.subdirectories(ns, ctx)) {
                Path stateFile = dir.resolve("state.json");
                if (!Files.isRegularFile(stateFile)) {
                    continue;
                }
                RuncStateFile s = RuncStateFile.read(stateFile, ctx);
                if (s == null) {
                    continue;
                }
                String bundle = s.bundle() != null ? s.bundle()
                        : ctx.roots().containerdTasks().resolve(namespace).resolve(s.id()).toString();
                if ("moby".equals(namespace)) {
                    out.accept(DockerReader.complete(s, bundle, stateFile, ctx));
                    continue;
                }
                ContainerInfo.K8s k8s = Attribution.k8s(s.config().annotations());
                out.accept(new Found("containerd", s.id(), Attribution.name(k8s, s.id()),
                        Attribution.image(s.config().annotations()), s.pid(), s.startTime(), s.createdOnly(), bundle,
                        s.rootfs(), s.cgroupPath(), s.config(), k8s, stateFile));
            }
        }
    }
}
