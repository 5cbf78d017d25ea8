package io.bulwark.sensor.local;

import io.bulwark.contract.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Appends one JSON object per line to a file, never truncating it (evidence is never
 * overwritten). Each line is written whole and forced to disk before {@code accept} returns, so
 * an alert that was reported is an alert that was kept. New files are created 0600.
 */
public final class JsonLinesFile implements Consumer<Object>, AutoCloseable {
    private final Path path;
    private final FileChannel ch;

    public JsonLinesFile(Path path) {
        this.path = path;
        try {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            if (!Files.exists(path)) {
                Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            this.ch = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + path + " for appending: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void accept(Object value) {
        byte[] line = (Json.line(value) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing an append-only file; every line was already forced
        }
    }
}
