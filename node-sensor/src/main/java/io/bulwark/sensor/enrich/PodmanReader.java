package io.bulwark.sensor.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Podman (libpod). Podman runs its containers with runc under runc's default root
 * ({@code /run/runc}, or {@code /run/crun} with crun) and marks them with the annotation
 * {@code io.container.manager=libpod}; the bundle is
 * {@code /var/lib/containers/storage/overlay-containers/<id>/userdata}. Names and image names are
 * in containers/storage's {@code overlay-containers/containers.json} ({@code names},
 * {@code metadata.image-name}); libpod's own database (bolt) is not read.
 */
final class PodmanReader {
    private PodmanReader() {}

    static RuntimeReader.Found complete(RuntimeReader.Found base, RuntimeReader.ReadContext ctx) {
        String name = base.id();
        String image = null;
        Path index = ctx.roots().containersStorage().resolve("overlay-containers/containers.json");
        if (Files.isRegularFile(index)) {
            JsonNode all = ctx.json(index);
            if (all != null) {
                for (JsonNode c : all) {
                    if (base.id().equals(c.path("id").asText())) {
                        if (c.path("names").size() > 0) {
                            name = c.path("names").get(0).asText();
                        }
                        image = imageName(c);
                    }
                }
            }
        }
        return new RuntimeReader.Found("podman", base.id(), name, image, base.pid(), base.startTime(),
                base.createdOnly(), base.bundle(), base.rootfs(), base.cgroupPath(), base.config(),
                Attribution.k8s(base.config().annotations()), base.stateFile());
    }

    /** {@code metadata} is a JSON document inside a string; a container started with --rootfs has no image. */
    private static String imageName(JsonNode c) {
        try {
            JsonNode meta = io.bulwark.contract.Json.mapper().readTree(c.path("metadata").asText("{}"));
            String image = meta.path("image-name").asText("");
            if (!image.isEmpty()) {
                return image;
            }
        } catch (Exception e) {
            // fall back to the image id
        }
        String id = c.path("image").asText("");
        return id.isEmpty() ? null : id;
    }
}
