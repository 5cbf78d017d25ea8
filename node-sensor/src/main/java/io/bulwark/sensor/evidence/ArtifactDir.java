package io.bulwark.sensor.evidence;

import io.bulwark.contract.Json;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One capture's directory in the evidence spool: artifacts are created new (never over an existing
 * file), streamed through SHA-256 as they are written, flushed to disk when closed, and listed for
 * the manifest, which {@link #writeManifest} writes last: to a temporary name, flushed, then linked
 * to {@code manifest.json} (link(2) fails rather than replace an existing one) so that a reader
 * sees either no manifest or the whole manifest, and only once every artifact is complete.
 */
final class ArtifactDir {
    static final String MANIFEST = "manifest.json";
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE = PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<Set<PosixFilePermission>> DIR_MODE = PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rwx------"));

    private final Path dir;
    private final List<Map<String, Object>> artifacts = new ArrayList<>();
    private final Consumer<String> afterArtifact;

    private ArtifactDir(Path dir, Consumer<String> afterArtifact) {
        this.dir = dir;
        this.afterArtifact = afterArtifact;
    }

    /**
     * The directory of a new capture of {@code incident}: {@code spool/<incident>/} for the first,
     * {@code spool/<incident>/capture-N/} for later ones (N from 2). Directory creation is atomic, so
     * two captures never share a directory.
     */
    static ArtifactDir create(Path spool, String incident, Consumer<String> afterArtifact) throws IOException {
        if (incident.isEmpty() || incident.contains("/") || incident.startsWith(".")) {
            throw new IllegalArgumentException("bad incident id for a directory name: '" + incident + "'");
        }
        Files.createDirectories(spool, DIR_MODE);
        Path first = spool.resolve(incident);
        try {
            Files.createDirectory(first, DIR_MODE);
            return new ArtifactDir(first, afterArtifact);
        } catch (FileAlreadyExistsException e) {
            for (int n = 2; n < 10_000; n++) {
                Path next = first.resolve("capture-" + n);
                try {
                    Files.createDirectory(next, DIR_MODE);
                    return new ArtifactDir(next, afterArtifact);
                } catch (FileAlreadyExistsException taken) {
                    // the next number
                }
            }
            throw new IOException("more than 10,000 captures of incident " + incident + " in " + spool);
        }
    }

    Path path() {
        return dir;
    }

    List<Map<String, Object>> artifacts() {
        return artifacts;
    }

    /** An artifact being written; closing it records its size and hash. */
    final class Artifact extends FilterOutputStream {
        private final String name;
        private final String contentType;
        private final String producer;
        private final Instant capturedAt;
        private final FileChannel channel;
        private final MessageDigest sha;
        private long size;
        private boolean closed;

        private Artifact(String name, String contentType, String producer, Instant capturedAt) throws IOException {
            super(null);
            if (name.equals(MANIFEST) || name.startsWith("/") || name.contains("..")) {
                throw new IllegalArgumentException("bad artifact name " + name);
            }
            Path file = dir.resolve(name);
            if (file.getParent() != null && !file.getParent().equals(dir)) {
                Files.createDirectories(file.getParent(), DIR_MODE);
            }
            this.channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), FILE_MODE);
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            this.name = name;
            this.contentType = contentType;
            this.producer = producer;
            this.capturedAt = capturedAt;
            try {
                this.sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            sha.update((byte) b);
            size++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            sha.update(b, off, len);
            size += len;
        }

        long size() {
            return size;
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            out.flush();
            channel.force(true);
            out.close();
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("name", name);
            a.put("size", size);
            a.put("sha256", HexFormat.of().formatHex(sha.digest()));
            a.put("producer", producer);
            a.put("captured_at", capturedAt.toString());
            a.put("content_type", contentType);
            synchronized (artifacts) {
                artifacts.add(a);
            }
            if (afterArtifact != null) {
                afterArtifact.accept(name);
            }
        }
    }

    Artifact open(String name, String contentType, String producer, Instant capturedAt) throws IOException {
        return new Artifact(name, contentType, producer, capturedAt);
    }

    void bytes(String name, byte[] content, String contentType, String producer, Instant capturedAt) throws IOException {
        try (Artifact a = open(name, contentType, producer, capturedAt)) {
            a.write(content, 0, content.length);
        }
    }

    void json(String name, Object value, String producer, Instant capturedAt) throws IOException {
        bytes(name, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(value), "application/json", producer, capturedAt);
    }

    /** The manifest, last: temporary file, flushed, linked to manifest.json (never replacing one), directory flushed. */
    Path writeManifest(Map<String, Object> manifest) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>(manifest);
        synchronized (artifacts) {
            m.put("artifacts", List.copyOf(artifacts));
        }
        byte[] json = Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(m);
        Path tmp = dir.resolve("." + MANIFEST + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), FILE_MODE)) {
            ch.write(java.nio.ByteBuffer.wrap(json));
            ch.force(true);
        }
        Path target = dir.resolve(MANIFEST);
        Files.createLink(target, tmp);
        Files.delete(tmp);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // a directory cannot be opened for fsync on some file systems; the link is still there
        }
        return target;
    }
}
