package io.bulwark.sensor.evidence;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A POSIX (pax) tar stream: ustar headers, with a pax extended header where a name, link target or
 * size does not fit ustar, and always for the modification time in nanoseconds and the change time
 * (evidence wants both). Written for the changed-files artifact; GNU tar and busybox read it.
 */
final class TarWriter implements AutoCloseable {
    static final char REGULAR = '0', LINK = '1', SYMLINK = '2', CHAR = '3', BLOCK = '4', DIRECTORY = '5', FIFO = '6';
    private static final int BLOCK_SIZE = 512;

    private final OutputStream out;
    private final byte[] buffer = new byte[1 << 16];
    private long written;

    TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Bytes of tar written so far (before any compression). */
    long written() {
        return written;
    }

    /** What one entry is. Times in nanoseconds since the epoch. */
    record Header(String name, char type, int mode, int uid, int gid, long size, long mtimeNs, long ctimeNs,
                  String linkTarget, int devMajor, int devMinor) {}

    /**
     * One entry; for a regular file exactly {@code h.size()} bytes are taken from {@code content}
     * (padded with zeros if it ends early: a file that shrank while being read). Returns the
     * content bytes actually read.
     */
    long entry(Header h, InputStream content) throws IOException {
        return entry(h, content, Map.of());
    }

    /** As {@link #entry(Header, InputStream)}, with extended attributes as pax {@code SCHILY.xattr.NAME} records (GNU tar --xattrs, bsdtar). */
    long entry(Header h, InputStream content, Map<String, String> xattrs) throws IOException {
        Map<String, String> pax = new LinkedHashMap<>();
        byte[] name = h.name().getBytes(StandardCharsets.UTF_8);
        if (name.length > 100) {
            pax.put("path", h.name());
        }
        if (h.linkTarget() != null && h.linkTarget().getBytes(StandardCharsets.UTF_8).length > 100) {
            pax.put("linkpath", h.linkTarget());
        }
        if (h.size() > 077777777777L) {
            pax.put("size", Long.toString(h.size()));
        }
        pax.put("mtime", seconds(h.mtimeNs()));
        pax.put("ctime", seconds(h.ctimeNs()));
        xattrs.forEach((k, v) -> pax.put("SCHILY.xattr." + k, v));
        if (!pax.isEmpty()) {
            byte[] records = paxRecords(pax);
            writeHeader(new Header(paxName(h.name()), 'x', 0644, 0, 0, records.length, h.mtimeNs(), h.ctimeNs(), null, 0, 0),
                    'x');
            write(records, records.length);
            pad(records.length);
        }
        writeHeader(h, h.type());
        long read = 0;
        if (h.type() == REGULAR && h.size() > 0) {
            while (read < h.size() && content != null) {
                int n = content.read(buffer, 0, (int) Math.min(buffer.length, h.size() - read));
                if (n < 0) {
                    break;
                }
                write(buffer, n);
                read += n;
            }
            long missing = h.size() - read;
            Arrays.fill(buffer, (byte) 0);
            while (missing > 0) {
                int n = (int) Math.min(buffer.length, missing);
                write(buffer, n);
                missing -= n;
            }
            pad(h.size());
        }
        return read;
    }

    private static String paxName(String name) {
        String base = name.substring(name.lastIndexOf('/') + 1);
        String n = "PaxHeaders/" + base;
        return n.length() > 99 ? n.substring(0, 99) : n;
    }

    private static String seconds(long ns) {
        long s = Math.floorDiv(ns, 1_000_000_000L);
        long frac = Math.floorMod(ns, 1_000_000_000L);
        return frac == 0 ? Long.toString(s) : s + "." + String.format("%09d", frac);
    }

    /** pax records: "LEN key=value\n" where LEN counts the whole record, itself included. */
    private static byte[] paxRecords(Map<String, String> pax) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : pax.entrySet()) {
            int body = (" " + e.getKey() + "=" + e.getValue() + "\n").getBytes(StandardCharsets.UTF_8).length;
            int len = body + Integer.toString(body).length();
            if (Integer.toString(len).length() != Integer.toString(body).length()) {
                len++;
            }
            sb.append(len).append(' ').append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void writeHeader(Header h, char type) throws IOException {
        byte[] b = new byte[BLOCK_SIZE];
        byte[] name = h.name().getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, b, 0, Math.min(100, name.length));
        octal(b, 100, 8, h.mode() & 07777);
        octal(b, 108, 8, Math.max(0, h.uid()) & 07777777);
        octal(b, 116, 8, Math.max(0, h.gid()) & 07777777);
        octal(b, 124, 12, type == REGULAR || type == 'x' ? Math.min(h.size(), 077777777777L) : 0);
        octal(b, 136, 12, Math.max(0, Math.floorDiv(h.mtimeNs(), 1_000_000_000L)) & 077777777777L);
        Arrays.fill(b, 148, 156, (byte) ' ');
        b[156] = (byte) type;
        if (h.linkTarget() != null) {
            byte[] link = h.linkTarget().getBytes(StandardCharsets.UTF_8);
            System.arraycopy(link, 0, b, 157, Math.min(100, link.length));
        }
        System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, b, 257, 8);
        octal(b, 329, 8, h.devMajor());
        octal(b, 337, 8, h.devMinor());
        long sum = 0;
        for (byte x : b) {
            sum += x & 0xff;
        }
        octal(b, 148, 7, sum);
        b[155] = ' ';
        write(b, BLOCK_SIZE);
    }

    private static void octal(byte[] b, int off, int len, long value) {
        String s = Long.toOctalString(value);
        int digits = len - 1;
        if (s.length() > digits) {
            s = s.substring(s.length() - digits);
        }
        for (int i = 0; i < digits - s.length(); i++) {
            b[off + i] = '0';
        }
        for (int i = 0; i < s.length(); i++) {
            b[off + digits - s.length() + i] = (byte) s.charAt(i);
        }
        b[off + digits] = 0;
    }

    private void pad(long size) throws IOException {
        int rest = (int) (size % BLOCK_SIZE);
        if (rest != 0) {
            write(new byte[BLOCK_SIZE - rest], BLOCK_SIZE - rest);
        }
    }

    private void write(byte[] b, int n) throws IOException {
        out.write(b, 0, n);
        written += n;
    }

    /** The two zero blocks that end an archive; the underlying stream stays open. */
    void finish() throws IOException {
        write(new byte[BLOCK_SIZE * 2], BLOCK_SIZE * 2);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
