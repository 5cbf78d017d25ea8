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
 * docs/benchmarks.md), on the capture thread. Where zstd's native library cannot load, gzip at
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
                  boolean truncated, long skippedFiles, long skippedBytes, List<Map<String, Object>> index, List<String> errors) {}

    private ChangedFiles() {}

    /**
     * Writes the tar.gz of {@code root} to {@code out}. {@code sinceNs} (ns since the epoch) selects
     * files by time; {@code Long.MIN_VALUE} takes every file (an overlay upper directory).
     */
    static Result write(Path root, String method, long sinceNs, long maxTarBytes, OutputStream out, String label) throws IOException {
        return write(root, method, sinceNs, maxTarBytes, out, label, ADAPTIVE);
    }

    /** Compression for {@link #write}: {@link #ADAPTIVE} (what captures use), {@link #NONE} (a plain tar), or a fixed gzip level 0-9 (benchmarks). */
    static final int ADAPTIVE = -1, NONE = -2, HUFFMAN = -3, ZSTD = -4;

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
        OutputStream gz = level == NONE ? null : level == ZSTD ? zstd(counter) : new AdaptiveGzip(counter, level); // gzip writes its header at once
        TarWriter tar = new TarWriter(gz == null ? counter : gz);
        List<Map<String, Object>> index = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        long[] c = new long[6]; // files, dirs, raw content bytes, skipped files, skipped bytes, next progress mark
        boolean[] truncated = {false};
        long t0 = System.nanoTime();
        c[5] = PROGRESS_BYTES;
        Object rootDev = Files.getAttribute(root, "unix:dev", LinkOption.NOFOLLOW_LINKS);
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
                    tar.entry(header(rel(root, dir) + "/", TarWriter.DIRECTORY, u, 0, null), null);
                    c[1]++;
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
                if (fmt == 0100000) {
                    long read;
                    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                        read = tar.entry(header(name, TarWriter.REGULAR, u, size, null), in);
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
        return new Result(method, root.toString(), since, c[0], c[1], c[2], tar.written(), truncated[0], c[3], c[4], index, errors);
    }

    /** zstd level 1 with a content checksum, on this thread (no extra workers: the decoder needs the other core). */
    private static OutputStream zstd(OutputStream out) throws IOException {
        com.github.luben.zstd.ZstdOutputStream z = new com.github.luben.zstd.ZstdOutputStream(out, 1);
        z.setChecksum(true);
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
