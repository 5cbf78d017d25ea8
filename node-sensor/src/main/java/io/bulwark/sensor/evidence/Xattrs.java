package io.bulwark.sensor.evidence;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * Reads an extended attribute without following symlinks (lgetxattr(2)). Java's
 * UserDefinedFileAttributeView sees only the {@code user.} namespace; overlayfs marks opaque
 * directories with {@code trusted.overlay.opaque} (readable with CAP_SYS_ADMIN, which the sensor has)
 * or {@code user.overlay.opaque} on userxattr mounts.
 */
final class Xattrs {
    /** libc's lgetxattr. */
    public interface C {
        @ssize_t long lgetxattr(String path, String name, @Out byte[] value, @size_t long size);
    }

    private static final C LIBC = load();

    private Xattrs() {}

    private static C load() {
        try {
            return LibraryLoader.create(C.class).load("c");
        } catch (Throwable e) { // UnsatisfiedLinkError: no xattrs then; the index says so
            return null;
        }
    }

    static boolean available() {
        return LIBC != null;
    }

    /** The attribute's value (UTF-8, up to 255 bytes), or null when absent or unreadable. */
    static String get(Path p, String name) {
        if (LIBC == null) {
            return null;
        }
        byte[] buf = new byte[256];
        long n = LIBC.lgetxattr(p.toString(), name, buf, buf.length);
        return n < 0 ? null : new String(buf, 0, (int) n, StandardCharsets.UTF_8);
    }
}
