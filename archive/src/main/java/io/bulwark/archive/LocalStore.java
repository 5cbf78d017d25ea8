package io.bulwark.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The local archive: the bucket directory S3Proxy's filesystem backend serves
 * (var/archive/bulwark-archive), where an object's bytes are the plain file at {@code <dir>/<key>}.
 * A new object is written to a temporary file beside it and hard-linked into place (link fails when
 * the name exists, so nothing is overwritten even with a concurrent writer), then made read-only
 * (0444). Temporary names start with ".bulwark-" and are never listed.
 */
public final class LocalStore implements Store {
    private final Path root;

    public LocalStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    public Path path(String key) {
        if (key.isEmpty() || key.startsWith("/") || key.contains("\\") || key.contains("//")
                || Stream.of(key.split("/")).anyMatch(s -> s.equals("..") || s.equals(".") || s.startsWith(".bulwark-"))) {
            throw new IllegalArgumentException("bad object key '" + key + "'");
        }
        return root.resolve(key);
    }

    @Override
    public Put put(String key, Path file, String sha256, String contentType) throws IOException {
        Path target = path(key);
        if (Files.exists(target)) {
            return existing(key, target, sha256);
        }
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".bulwark-", ".tmp");
        try {
            Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
            return link(key, tmp, target, sha256);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public Put put(String key, byte[] data, String contentType) throws IOException {
        Path target = path(key);
        String sha = Hashes.hex(data);
        if (Files.exists(target)) {
            return existing(key, target, sha);
        }
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".bulwark-", ".tmp");
        try {
            Files.write(tmp, data);
            return link(key, tmp, target, sha);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private Put link(String key, Path tmp, Path target, String sha) throws IOException {
        String written = Hashes.file(tmp);
        if (!written.equals(sha)) {
            throw new IOException(tmp + ": the copy of " + key + " has SHA-256 " + written + ", expected " + sha + " (source changed while copying?)");
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--r--r--"));
        try {
            Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
            return existing(key, target, sha);
        }
        return Put.CREATED;
    }

    private Put existing(String key, Path target, String sha) throws IOException {
        String there = Hashes.file(target);
        if (there.equals(sha)) {
            return Put.ALREADY_THERE;
        }
        throw new ConflictException(root + "/", key, there, sha);
    }

    @Override
    public InputStream open(String key) throws IOException {
        Path p = path(key);
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException(p.toString(), null, "no such object");
        }
        return Files.newInputStream(p);
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(path(key));
    }

    @Override
    public List<Entry> list(String prefix) throws IOException {
        Path start = root;
        int slash = prefix.lastIndexOf('/');
        if (slash > 0) {
            start = root.resolve(prefix.substring(0, slash));
        }
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        // a concurrent writer's temporary file can vanish between the directory read and its attributes: skipped
        Files.walkFileTree(start, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path p, java.nio.file.attribute.BasicFileAttributes attrs) {
                String key = root.relativize(p).toString();
                if (attrs.isRegularFile() && key.startsWith(prefix) && !p.getFileName().toString().startsWith(".bulwark-")) {
                    out.add(new Entry(key, attrs.size()));
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        out.sort(java.util.Comparator.comparing(Entry::key));
        return out;
    }

    @Override
    public String describe(String key) {
        return root.resolve(key).toString();
    }
}
