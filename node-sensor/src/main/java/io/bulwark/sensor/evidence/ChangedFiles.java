package io.bulwark.sensor.evidence;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.jboss.logging.Logger;

/**
 * The container's changed files as a compressed tar: the whole overlay upper directory when the root is an
 * overlay (everything in it was written after the container started; whiteouts are character
 * devices 0:0), otherwise the files of the root directory whose modification or change time is at
 * or after the container's start. Streams (one 64 KiB buffer), one file system only (mount points
 * below the root are other file systems and are skipped), symlinks are not followed, and the tar
 * stops growing at a byte limit: what does not fit is listed as skipped and the result says
 * truncated.
 *
 * <p>Compression is zstd at level 1 (5 times faster than gzip -1 here, and smaller:
 * docs/benchmarks.md), by one zstd worker thread beside the capture thread ({@link #ZSTD_WORKERS}). Where zstd's native library cannot load, gzip at
 * level 1, except where the data does not compress: every 1 MiB the ratio of the last chunk is
 * checked, and a chunk that came out at over 97% of its size switches to stored blocks (level 0)
 * for the next 8 MiB, then level 1 is tried again.
 */
final class ChangedFiles {
    private static final Logger LOG = Logger.getLogger(ChangedFiles.class);
    static final long PROGRESS_BYTES = 64L << 20;
    static final int MAX_INDEX = 100_000;

    /** What the walk found and wrote. */
    record Result(String method, String root, String since, long files, long dirs, long rawBytes, long tarBytes,
                  boolean truncated, long skippedFiles, long skippedBytes, List<Map<String, Object>> index, List<String> errors,
                  List<String> whiteouts, List<String> opaqueDirs) {}

    /** Paths of whiteouts and opaque directories listed in the result (each list), at most. */
    static final int MAX_OVERLAY_PATHS = 10_000;

    private ChangedFiles() {}

    /**
     * Writes the tar.gz of {@code root} to {@code out}. {@code sinceNs} (ns since the epoch) selects
     * files by time; {@code Long.MIN_VALUE} takes every file (an overlay upper directory).
     */
    static Result write(Path root, String method, long sinceNs, long maxTarBytes, OutputStream out, String label) throws IOException {
        return write(root, method, sinceNs, maxTarBytes, out, label, ADAPTIVE);
    }

    /** Compression for {@link #write}: {@link #ADAPTIVE} (what captures use), {@link #NONE} (a plain tar), or a fixed gzip level 0-9 (benchmarks). */
    static final int ADAPTIVE = -1, NONE = -2, HUFFMAN = -3, ZSTD = -4, ZSTD_MT = -5;

    /**
     * zstd worker threads for captures: 1 (default) moves compression to one zstd worker so it overlaps reading
     * and tar writing (215 MB alert to manifest 1.01 s against 1.16 s on the capture thread, docs/benchmarks.md);
     * the same compression work, done sooner, on the second core for those seconds. 0 compresses on the capture
     * thread. Set with -Dbulwark.evidence.zstdWorkers=N (the sensor's jvm.options).
     */
    static final int ZSTD_WORKERS = Integer.getInteger("bulwark.evidence.zstdWorkers", 1);

    /** True when zstd's native library loads here (it is unpacked into java.io.tmpdir, which must not be noexec). */
    static boolean zstdAvailable() {
        try {
            com.github.luben.zstd.util.Native.load();
            return true;
        } catch (Throwable e) { // UnsatisfiedLinkError, or a missing class
            LOG.warnf("evidence: zstd unavailable (%s): changed files are gzip-compressed", e.toString());
            return false;
        }
    }

    static Result write(Path root, String method, long sinceNs, long maxTarBytes, OutputStream out, String label, int level) throws IOException {
        CountingOut counter = new CountingOut(out);
        OutputStream gz = level == NONE ? null : level == ZSTD ? zstd(counter, ZSTD_WORKERS) : level == ZSTD_MT ? zstd(counter, 1)
                : new AdaptiveGzip(counter, level); // gzip writes its header at once
        TarWriter tar = new TarWriter(gz == null ? counter : gz);
        List<Map<String, Object>> index = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        long[] c = new long[6]; // files, dirs, raw content bytes, skipped files, skipped bytes, next progress mark
        boolean[] truncated = {false};
        long t0 = System.nanoTime();
        c[5] = PROGRESS_BYTES;
        Object rootDev = Files.getAttribute(root, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        // an overlay upper directory: a whiteout (char device 0:0, or since Linux 6.7 an empty file with
        // trusted.overlay.whiteout) is a file deleted from the image; an opaque directory
        // (trusted.overlay.opaque=y, or user.overlay.opaque on userxattr mounts) hides the image's directory:
        // it was deleted and made again, so everything the image had there is gone
        boolean overlay = method.startsWith("overlay");
        List<String> whiteouts = new ArrayList<>();
        List<String> opaque = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Map<String, Object> u = unix(dir);
                if (u == null) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (!rootDev.equals(u.get("dev"))) {
                    note(index, rel(root, dir), "mount point of another file system: not captured", u);
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (!dir.equals(root) && changed(u, sinceNs)) {
                    Map<String, String> x = overlay ? opaqueXattr(dir) : Map.of();
                    tar.entry(header(rel(root, dir) + "/", TarWriter.DIRECTORY, u, 0, null), null, x);
                    c[1]++;
                    if (!x.isEmpty()) {
                        if (opaque.size() < MAX_OVERLAY_PATHS) {
                            opaque.add(rel(root, dir));
                        }
                        if (index.size() < MAX_INDEX) {
                            Map<String, Object> e = entry(rel(root, dir) + "/", u, 0);
                            e.put("captured", true);
                            e.put("overlay", "opaque");
                            e.put("meaning", "the image's directory was deleted and made again: nothing the image had under it is visible");
                            e.put("xattrs", x);
                            index.add(e);
                        }
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Map<String, Object> u = unix(file);
                if (u == null || !changed(u, sinceNs)) {
                    return FileVisitResult.CONTINUE;
                }
                String name = rel(root, file);
                int mode = (Integer) u.get("mode");
                int fmt = mode & 0170000;
                long size = attrs.isRegularFile() ? attrs.size() : 0;
                if (tar.written() + 1536 + size + 1024 > maxTarBytes) {
                    truncated[0] = true;
                    c[3]++;
                    c[4] += size;
                    if (index.size() < MAX_INDEX) {
                        Map<String, Object> e = entry(name, u, size);
                        e.put("captured", false);
                        e.put("reason", "over the tar size limit of " + maxTarBytes + " bytes");
                        index.add(e);
                    }
                    return FileVisitResult.CONTINUE;
                }
                String whiteout = null;
                if (overlay && (fmt == 0020000 && ((Number) u.get("rdev")).longValue() == 0)) {
                    whiteout = "whiteout";
                } else if (overlay && fmt == 0100000 && size == 0 && Xattrs.get(file, "trusted.overlay.whiteout") != null) {
                    whiteout = "whiteout (xattr)";
                }
                if (whiteout != null && whiteouts.size() < MAX_OVERLAY_PATHS) {
                    whiteouts.add(name);
                }
                if (fmt == 0100000) {
                    long read;
                    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                        read = tar.entry(header(name, TarWriter.REGULAR, u, size, null), in,
                                whiteout != null ? Map.of("trusted.overlay.whiteout", "") : Map.of());
                    } catch (IOException e) {
                        errors.add(name + ": " + e.getMessage());
                        return FileVisitResult.CONTINUE;
                    }
                    if (read != size) {
                        errors.add(name + ": " + read + " bytes read of " + size + " (changed while read)");
                    }
                    c[2] += size;
                } else if (fmt == 0120000) {
                    tar.entry(header(name, TarWriter.SYMLINK, u, 0, Files.readSymbolicLink(file).toString()), null);
                } else if (fmt == 0020000 || fmt == 0060000) {
                    long rdev = ((Number) u.get("rdev")).longValue();
                    tar.entry(new TarWriter.Header(name, fmt == 0020000 ? TarWriter.CHAR : TarWriter.BLOCK, mode, (Integer) u.get("uid"),
                            (Integer) u.get("gid"), 0, ns(u.get("lastModifiedTime")), ns(u.get("ctime")), null,
                            (int) ((rdev >>> 8) & 0xfff), (int) ((rdev & 0xff) | ((rdev >>> 12) & 0xfff00))), null);
                } else if (fmt == 0010000) {
                    tar.entry(header(name, TarWriter.FIFO, u, 0, null), null);
                } else {
                    return FileVisitResult.CONTINUE; // sockets: nothing to archive
                }
                c[0]++;
                if (index.size() < MAX_INDEX) {
                    Map<String, Object> e = entry(name, u, size);
                    e.put("captured", true);
                    if (whiteout != null) {
                        e.put("overlay", whiteout);
                        e.put("meaning", "deleted from the image in the container");
                    }
                    index.add(e);
                }
                if (tar.written() >= c[5]) {
                    double s = (System.nanoTime() - t0) / 1e9;
                    LOG.infof("evidence %s: changed files: %d files, %.1f MiB read, %.1f MiB compressed, %.0f MB/s",
                            label, c[0], c[2] / 1048576.0, counter.count / 1048576.0, c[2] / 1e6 / Math.max(s, 1e-3));
                    c[5] += PROGRESS_BYTES;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                errors.add(rel(root, file) + ": " + e.getMessage());
                return FileVisitResult.CONTINUE;
            }
        });
        tar.finish();
        if (gz instanceof AdaptiveGzip g) {
            g.finish();
        } else if (gz != null) {
            gz.close(); // zstd: the frame's end (CountingOut does not pass the close on)
        }
        counter.flush();
        String since = sinceNs == Long.MIN_VALUE ? null : java.time.Instant.ofEpochSecond(0, sinceNs).toString();
        return new Result(method, root.toString(), since, c[0], c[1], c[2], tar.written(), truncated[0], c[3], c[4], index, errors,
                whiteouts, opaque);
    }

    /** The opaque mark of an overlay upper directory as an xattr map (empty when not opaque). */
    static Map<String, String> opaqueXattr(Path dir) {
        for (String n : new String[] {"trusted.overlay.opaque", "user.overlay.opaque"}) {
            String v = Xattrs.get(dir, n);
            if (v != null && (v.equals("y") || v.equals("x"))) {
                return Map.of(n, v);
            }
        }
        return Map.of();
    }

    /** zstd level 1 with a content checksum; {@code workers} 0: on this thread (the decoder needs the other core). */
    private static OutputStream zstd(OutputStream out, int workers) throws IOException {
        com.github.luben.zstd.ZstdOutputStream z = new com.github.luben.zstd.ZstdOutputStream(out, 1);
        z.setChecksum(true);
        if (workers > 0) {
            z.setWorkers(workers);
        }
        return z;
    }

    private static void note(List<Map<String, Object>> index, String name, String reason, Map<String, Object> u) {
        if (index.size() < MAX_INDEX) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", name);
            e.put("captured", false);
            e.put("reason", reason);
            index.add(e);
        }
    }

    private static Map<String, Object> entry(String name, Map<String, Object> u, long size) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("path", name);
        e.put("mode", String.format("%06o", (Integer) u.get("mode")));
        e.put("uid", u.get("uid"));
        e.put("gid", u.get("gid"));
        e.put("size", size);
        e.put("mtime", u.get("lastModifiedTime").toString());
        e.put("ctime", u.get("ctime").toString());
        return e;
    }

    private static Map<String, Object> unix(Path p) {
        try {
            return Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,ctime,dev,rdev", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean changed(Map<String, Object> u, long sinceNs) {
        return sinceNs == Long.MIN_VALUE || ns(u.get("lastModifiedTime")) >= sinceNs || ns(u.get("ctime")) >= sinceNs;
    }

    static long ns(Object fileTime) {
        return ((FileTime) fileTime).to(TimeUnit.NANOSECONDS);
    }

    private static TarWriter.Header header(String name, char type, Map<String, Object> u, long size, String link) {
        return new TarWriter.Header(name, type, (Integer) u.get("mode"), (Integer) u.get("uid"), (Integer) u.get("gid"), size,
                ns(u.get("lastModifiedTime")), ns(u.get("ctime")), link, 0, 0);
    }

    private static String rel(Path root, Path p) {
        String r = root.relativize(p).toString();
        return r.isEmpty() ? "." : r;
    }

    /** gzip at level 1 that stores chunks which do not compress. */
    static final class AdaptiveGzip extends GZIPOutputStream {
        private static final long CHUNK = 1 << 20, STORED_RUN = 8L << 20;
        private long chunkStartIn, chunkStartOut, storedUntil = -1;
        final CountingOut counter;
        private final boolean adaptive;

        AdaptiveGzip(CountingOut out, int level) throws IOException {
            super(out, 1 << 16);
            this.counter = out;
            this.adaptive = level == ADAPTIVE;
            def.setLevel(level >= 0 ? level : Deflater.BEST_SPEED);
            if (level == HUFFMAN) {
                def.setStrategy(Deflater.HUFFMAN_ONLY);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            super.write(b, off, len);
            if (!adaptive) {
                return;
            }
            long in = def.getBytesRead();
            if (in - chunkStartIn >= CHUNK) {
                long outBytes = def.getBytesWritten();
                if (storedUntil >= 0) {
                    if (in >= storedUntil) {
                        def.setLevel(Deflater.BEST_SPEED); // try compressing again
                        storedUntil = -1;
                    }
                } else if ((outBytes - chunkStartOut) * 100 > (in - chunkStartIn) * 97) {
                    def.setLevel(Deflater.NO_COMPRESSION);
                    storedUntil = in + STORED_RUN;
                }
                chunkStartIn = in;
                chunkStartOut = outBytes;
            }
        }
    }

    private static final class CountingOut extends java.io.FilterOutputStream {
        long count;

        CountingOut(OutputStream out) {
            super(out);
        }

        /** The compressor's close ends its stream; the artifact under it is the caller's to close. */
        @Override
        public void close() throws IOException {
            out.flush();
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
