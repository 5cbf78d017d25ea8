package io.bulwark.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the archive's objects live: the local store (the directory S3Proxy serves) or an S3 bucket.
 * Writes never overwrite: {@link #put} of a key that exists answers {@link Put#ALREADY_THERE} when the
 * bytes there have the same SHA-256, and throws {@link ConflictException} when they differ.
 */
public interface Store extends AutoCloseable {
    enum Put { CREATED, ALREADY_THERE }

    /** A key already holds different bytes: evidence is never overwritten; this is an alarm. */
    final class ConflictException extends IOException {
        public final String key;
        public final String existingSha256;
        public final String newSha256;

        public ConflictException(String where, String key, String existingSha256, String newSha256) {
            super(where + key + " already exists with SHA-256 " + existingSha256 + ", refusing to overwrite it with different bytes (SHA-256 "
                    + newSha256 + "): tampering or a conflicting writer");
            this.key = key;
            this.existingSha256 = existingSha256;
            this.newSha256 = newSha256;
        }

        public ConflictException(String message, String key) {
            super(message);
            this.key = key;
            this.existingSha256 = null;
            this.newSha256 = null;
        }
    }

    /** What a listing knows about an object. */
    record Entry(String key, long size) {}

    /** Writes {@code file} (whose SHA-256 is {@code sha256}, hex) at {@code key}. */
    Put put(String key, Path file, String sha256, String contentType) throws IOException;

    Put put(String key, byte[] data, String contentType) throws IOException;

    /** The object's bytes; {@link java.nio.file.NoSuchFileException} when absent. */
    InputStream open(String key) throws IOException;

    default byte[] read(String key) throws IOException {
        try (InputStream in = open(key)) {
            return in.readAllBytes();
        }
    }

    boolean exists(String key) throws IOException;

    /** Every object whose key starts with {@code prefix}, sorted by key. */
    List<Entry> list(String prefix) throws IOException;

    /** How to name an object to a human: s3://bucket/key or the file path. */
    String describe(String key);

    @Override
    default void close() {}
}
