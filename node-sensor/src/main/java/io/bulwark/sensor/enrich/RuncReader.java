package io.bulwark.sensor.enrich;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Plain runc's root, {@code /run/runc/<id>/state.json}. Podman and CRI-O drive runc with this
 * same root, so a container found here is handed to {@link PodmanReader} or {@link CriOReader}
 * when its annotations say that they manage it.
 */
final class RuncReader implements RuntimeReader {

    @Override
    public String describe(StateRoots roots) {
        return "runc (" + roots.runc() + ")";
    }

    @Override
    public void read(ReadContext ctx, Consumer<Found> out) {
        for (Path dir : subdirectories(ctx.roots().runc(), ctx)) {
            Path stateFile = dir.resolve("state.json");
            if (!Files.isRegularFile(stateFile)) {
                continue; // being created: runc writes state.json once the init process exists
            }
            RuncStateFile s = RuncStateFile.read(stateFile, ctx);
            if (s == null) {
                continue;
            }
            out.accept(classify("runc", stateFile, s, ctx));
        }
    }

    /** A runc-format container found in a runc or crun root, attributed to Podman, CRI-O or the runtime itself. */
    static Found classify(String runtime, Path stateFile, RuncStateFile s, ReadContext ctx) {
        String manager = Attribution.manager(runtime, s.config().annotations());
        Found base = new Found(manager, s.id(), s.id(), null, s.pid(), s.startTime(), s.createdOnly(), s.bundle(),
                s.rootfs(), s.cgroupPath(), s.config(), null, stateFile);
        return switch (manager) {
            case "podman" -> PodmanReader.complete(base, ctx);
            case "cri-o" -> CriOReader.complete(base);
            default -> base;
        };
    }

    /** Directories below {@code root}, empty when it does not exist; an unreadable root is a warning. */
    static List<Path> subdirectories(Path root, ReadContext ctx) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            ctx.warn(root, "cannot list: " + e.getMessage());
            return List.of();
        }
    }
}
