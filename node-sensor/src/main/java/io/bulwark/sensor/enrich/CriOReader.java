package io.bulwark.sensor.enrich;

import io.bulwark.contract.ContainerInfo;

/**
 * CRI-O. It runs runc (or crun) with the default roots, so its containers are found by
 * {@link RuncReader} and {@link CrunReader}; they carry {@code io.kubernetes.cri-o.*}
 * annotations plus the kubelet's {@code io.kubernetes.pod.*} / {@code io.kubernetes.container.name},
 * and their bundle is {@code /var/lib/containers/storage/overlay-containers/<id>/userdata}
 * (or under {@code /run/containers/storage} for sandboxes).
 */
final class CriOReader {
    private CriOReader() {}

    static RuntimeReader.Found complete(RuntimeReader.Found base) {
        ContainerInfo.K8s k8s = Attribution.k8s(base.config().annotations());
        return new RuntimeReader.Found("cri-o", base.id(), Attribution.name(k8s, base.id()),
                Attribution.image(base.config().annotations()), base.pid(), base.startTime(), base.createdOnly(),
                base.bundle(), base.rootfs(), base.cgroupPath(), base.config(), k8s, base.stateFile());
    }
}
