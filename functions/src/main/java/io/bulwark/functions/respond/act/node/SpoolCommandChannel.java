package io.bulwark.functions.respond.act.node;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Local mode ({@code ./bulwark up}): the command file goes straight into the sensor's command spool
 * ({@code var/commands}), atomically as the spool expects: a temporary name starting with '.', then a rename to
 * {@code <id>.json}. The sensor runs it and writes {@code done/<id>.json}. One node: the node name is only recorded
 * and the queue key is not used.
 */
public final class SpoolCommandChannel implements CommandChannel {
    private final Path dir;

    public SpoolCommandChannel(Path dir) {
        this.dir = dir;
    }

    @Override
    public String send(String node, String queueKey, String id, String json) throws Exception {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Path target = dir.resolve(id + ".json");
        if (Files.exists(target) || Files.exists(dir.resolve("done").resolve(id + ".json"))) {
            return "file:" + target + " (already there)";
        }
        Path tmp = dir.resolve("." + id + ".tmp");
        Files.writeString(tmp, json + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        return "file:" + target;
    }

    public Path dir() {
        return dir;
    }
}
