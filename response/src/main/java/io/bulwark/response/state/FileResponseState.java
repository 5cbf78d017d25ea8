package io.bulwark.response.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * State in a directory, for the node (local mode): JSON lines appended under an exclusive file lock (so several
 * processes on the node may share it), each append one {@code write} of a whole line then {@code fsync}.
 * Records are only ever appended; the latest line for a key wins; a torn line (a crash mid-write) is ignored.
 * <pre>
 *   DIR/claims.jsonl      {"key","status","time"}            idempotency claims ("RELEASED" gives one back)
 *   DIR/rate.jsonl        {"key","time"}                     one line per action taken, per limit
 *   DIR/approvals.jsonl   PendingApproval                     the latest line per id wins
 *   DIR/audit.jsonl       AuditRecord                         the audit log
 *   DIR/kill-switch       present = engaged (its text: when and why); create it by hand to stop every action
 * </pre>
 * New files are 0600, the directory 0700.
 */
public final class FileResponseState implements ResponseState {
    public static final String KILL_SWITCH = "kill-switch";
    private static final Duration RATE_KEEP = Duration.ofDays(7);
    private static final int RATE_COMPACT_LINES = 20_000;

    private final Path dir;
    private final ObjectMapper json = Json.mapper();

    private final boolean fsync;

    /** Opens (creating when needed) the state directory; every append is forced to disk before the call returns. */
    public FileResponseState(Path dir) {
        this(dir, true);
    }

    /**
     * Opens the state directory.
     *
     * @param fsync true: force every append to disk (a crash loses nothing written); false: leave it to the page cache
     *              (appends stay atomic and ordered, a machine crash may lose the last records; measured on this VM
     *              the fast path's two steps take p50 ≈20 ms with fsync, see docs/playbooks.md)
     */
    public FileResponseState(Path dir, boolean fsync) {
        this.dir = dir;
        this.fsync = fsync;
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                try {
                    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create response state directory " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    @Override
    public Optional<String> claim(String key, Instant now) {
        return locked(() -> {
            String prior = claims().get(key);
            if (prior != null) return Optional.of(prior);
            append("claims.jsonl", Map.of("key", key, "status", "CLAIMED", "time", now.toString()));
            return Optional.<String>empty();
        });
    }

    @Override
    public void complete(String key, String status) {
        locked(() -> append("claims.jsonl", Map.of("key", key, "status", status, "time", Instant.now().toString())));
    }

    @Override
    public void release(String key) {
        locked(() -> append("claims.jsonl", Map.of("key", key, "status", "RELEASED", "time", Instant.now().toString())));
    }

    private Map<String, String> claims() throws IOException {
        Map<String, String> out = new HashMap<>();
        for (JsonNode n : read("claims.jsonl")) {
            String status = n.path("status").asText();
            if ("RELEASED".equals(status)) out.remove(n.path("key").asText());
            else out.put(n.path("key").asText(), status);
        }
        return out;
    }

    @Override
    public Optional<Limit> tryAcquire(List<Limit> limits, Instant now) {
        return locked(() -> {
            List<JsonNode> lines = read("rate.jsonl");
            for (Limit l : limits) {
                Instant from = now.minus(l.window());
                // newest first; lines are appended in time order, so stop at the first one before the window
                long n = 0;
                for (int i = lines.size() - 1; i >= 0 && n < l.count(); i--) {
                    JsonNode j = lines.get(i);
                    if (!Instant.parse(j.path("time").asText()).isAfter(from)) break;
                    if (j.path("key").asText().equals(l.key())) n++;
                }
                if (n >= l.count()) return Optional.of(l);
            }
            if (lines.size() > RATE_COMPACT_LINES) {
                Instant keep = now.minus(RATE_KEEP);
                StringBuilder b = new StringBuilder();
                for (JsonNode j : lines) {
                    if (Instant.parse(j.path("time").asText()).isAfter(keep)) b.append(j).append('\n');
                }
                replace("rate.jsonl", b.toString());
            }
            for (Limit l : limits) append("rate.jsonl", Map.of("key", l.key(), "time", now.toString()));
            return Optional.<Limit>empty();
        });
    }

    @Override
    public boolean killSwitchEngaged() {
        return Files.exists(dir.resolve(KILL_SWITCH));
    }

    @Override
    public void setKillSwitch(boolean engaged, String reason) {
        locked(() -> {
            Path f = dir.resolve(KILL_SWITCH);
            if (engaged) replace(KILL_SWITCH, Instant.now() + " " + (reason == null ? "" : reason) + "\n");
            else Files.deleteIfExists(f);
            return null;
        });
    }

    @Override
    public void putApproval(PendingApproval approval) {
        locked(() -> {
            if (!approvals().containsKey(approval.id())) append("approvals.jsonl", approval);
            return null;
        });
    }

    @Override
    public Optional<PendingApproval> approval(String id) {
        return locked(() -> Optional.ofNullable(approvals().get(id)));
    }

    @Override
    public List<PendingApproval> pendingApprovals() {
        return locked(() -> approvals().values().stream().filter(PendingApproval::pending).toList());
    }

    @Override
    public Optional<PendingApproval> decide(String id, String decision, String by, Instant at) {
        return locked(() -> {
            PendingApproval a = approvals().get(id);
            if (a == null || !a.pending()) return Optional.<PendingApproval>empty();
            PendingApproval d = a.decided(decision, by, at.toString());
            append("approvals.jsonl", d);
            return Optional.of(d);
        });
    }

    private Map<String, PendingApproval> approvals() throws IOException {
        Map<String, PendingApproval> out = new LinkedHashMap<>();
        for (JsonNode n : read("approvals.jsonl")) {
            PendingApproval a = json.treeToValue(n, PendingApproval.class);
            out.put(a.id(), a);
        }
        return out;
    }

    @Override
    public void audit(AuditRecord record) {
        locked(() -> append("audit.jsonl", record));
    }

    @Override
    public List<AuditRecord> auditLog() {
        return locked(() -> {
            List<AuditRecord> out = new ArrayList<>();
            for (JsonNode n : readAll("audit.jsonl")) out.add(json.treeToValue(n, AuditRecord.class));
            return out;
        });
    }

    // ---- files

    @FunctionalInterface
    private interface Body<T> {
        T run() throws IOException;
    }

    /** One monitor per directory in this JVM: file locks are per process, so threads (and instances) take this first. */
    private static final java.util.concurrent.ConcurrentHashMap<Path, Object> MONITORS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Runs under this JVM's monitor for the directory and the directory's exclusive file lock (other processes). */
    private <T> T locked(Body<T> body) {
        Object monitor = MONITORS.computeIfAbsent(dir.toAbsolutePath().normalize(), k -> new Object());
        synchronized (monitor) {
            return lockedFile(body);
        }
    }

    private <T> T lockedFile(Body<T> body) {
        try (FileChannel lock = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = lock.lock()) {
            return body.run();
        } catch (IOException e) {
            throw new UncheckedIOException("response state " + dir + ": " + e.getMessage(), e);
        }
    }

    private Object append(String file, Object record) throws IOException {
        byte[] line = (json.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve(file);
        boolean fresh = !Files.exists(f);
        boolean torn = false;
        if (!fresh) {
            // a torn last line (crash mid-write) must not swallow this record
            try (FileChannel r = FileChannel.open(f, StandardOpenOption.READ)) {
                long size = r.size();
                if (size > 0) {
                    ByteBuffer last = ByteBuffer.allocate(1);
                    r.read(last, size - 1);
                    torn = last.get(0) != '\n';
                }
            }
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            if (fresh) restrict(f);
            if (torn) ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) ch.write(b);
            if (fsync) ch.force(false);
        }
        return null;
    }

    private void replace(String file, String content) throws IOException {
        Path tmp = dir.resolve(file + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        restrict(tmp);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, dir.resolve(file), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void restrict(Path f) {
        try {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // best effort on non-POSIX file systems
        }
    }

    /** What this instance has already parsed of a file: the records up to {@code offset} (a whole line's end). */
    private static final class Cached {
        Object fileKey;
        long offset;
        final List<JsonNode> records = new ArrayList<>();
    }

    private final Map<String, Cached> cache = new HashMap<>();

    /**
     * The file's records: the cached ones plus whatever was appended since (by this or another process), read
     * from the last offset only. A replaced file (compaction: a new inode, or shorter) is read again from the start.
     */
    private List<JsonNode> read(String file) throws IOException {
        Path f = dir.resolve(file);
        Cached c = cache.computeIfAbsent(file, k -> new Cached());
        java.nio.file.attribute.BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            cache.remove(file);
            return List.of();
        }
        if (!java.util.Objects.equals(attrs.fileKey(), c.fileKey) || attrs.size() < c.offset) {
            c.fileKey = attrs.fileKey();
            c.offset = 0;
            c.records.clear();
        }
        if (attrs.size() > c.offset) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                long size = ch.size();
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, size - c.offset));
                while (buf.hasRemaining() && ch.read(buf, c.offset + buf.position()) > 0) {
                    // read to the end as it was
                }
                byte[] bytes = buf.array();
                int n = buf.position();
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (bytes[i] != '\n') continue;
                    parse(new String(bytes, start, i - start, StandardCharsets.UTF_8), c.records);
                    start = i + 1;
                }
                c.offset += start; // an unfinished last line is read again next time
            }
        }
        return c.records;
    }

    /** The file's records, read in full (the audit log: not kept in memory). */
    private List<JsonNode> readAll(String file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(dir.resolve(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>(lines.size());
        for (String l : lines) parse(l, out);
        return out;
    }

    private void parse(String line, List<JsonNode> out) {
        if (line.isBlank()) return;
        try {
            out.add(json.readTree(line));
        } catch (JsonProcessingException e) {
            // a torn line from a crash mid-write: the record never completed, so it never counted
        }
    }
}
