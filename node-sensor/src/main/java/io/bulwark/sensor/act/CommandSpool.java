package io.bulwark.sensor.act;

import io.bulwark.contract.ActionRecord;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The sensor's end of the node command channel: a spool directory ({@code up --commands DIR}) into
 * which the shipper (or {@code bulwark release}) drops one JSON file per command, atomically (a
 * temporary name starting with '.', then a rename to {@code *.json}). The sensor notices it (a
 * WatchService, and a scan every {@code scanMillis} for what a watch can miss), runs it once through
 * {@link NodeActions} (guardrails, dry run, audit record) and writes the result to
 * {@code DIR/done/<id>.json} (atomically, fsynced) before removing the command. A command whose id
 * already has a result is a replay: removed, nothing run. A file that is not a valid command goes to
 * {@code DIR/rejected/} with a {@code .error} file that says why (file:line: reason).
 */
public final class CommandSpool implements AutoCloseable {
    private final Path dir;
    private final Path done;
    private final Path rejected;
    private final NodeActions actions;
    private final Consumer<ActionRecord> onResult;
    private final long scanMillis;
    private final Thread thread;
    private volatile boolean running = true;
    private long executed;
    private long replays;
    private long rejects;

    /**
     * @param onResult called after each executed command's result is on disk (the fast path learns of thaws)
     */
    public CommandSpool(Path dir, NodeActions actions, Consumer<ActionRecord> onResult, long scanMillis) throws IOException {
        this.dir = dir;
        this.done = dir.resolve("done");
        this.rejected = dir.resolve("rejected");
        this.actions = actions;
        this.onResult = onResult == null ? r -> { } : onResult;
        this.scanMillis = scanMillis;
        for (Path d : List.of(dir, done, rejected)) {
            createPrivateDir(d);
        }
        this.thread = new Thread(this::run, "bulwark-commands");
        this.thread.setDaemon(true);
    }

    static void createPrivateDir(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    public CommandSpool start() {
        thread.start();
        return this;
    }

    public Path dir() {
        return dir;
    }

    private void run() {
        WatchService watch = null;
        try {
            watch = dir.getFileSystem().newWatchService();
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException e) {
            System.err.println("bulwark up: cannot watch " + dir + " (" + e.getMessage() + "); scanning it every " + scanMillis + " ms");
        }
        while (running) {
            try {
                scan();
                if (watch != null) {
                    WatchKey k = watch.poll(scanMillis, TimeUnit.MILLISECONDS);
                    if (k != null) {
                        k.pollEvents();
                        k.reset();
                    }
                } else {
                    Thread.sleep(scanMillis);
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | IOException e) {
                System.err.println("bulwark up: command spool " + dir + ": " + e);
                try {
                    Thread.sleep(scanMillis);
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        if (watch != null) {
            try {
                watch.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** Runs every command waiting in the spool, oldest name first; returns how many files it handled. */
    public synchronized int scan() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            for (Path p : ds) {
                if (!p.getFileName().toString().startsWith(".") && Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        }
        files.sort(null);
        for (Path f : files) {
            handle(f);
        }
        return files.size();
    }

    private void handle(Path f) throws IOException {
        String text;
        try {
            text = Files.readString(f, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException gone) {
            return;
        }
        NodeCommand c;
        try {
            c = NodeCommand.parse(f.toString(), text, actions.hostname());
        } catch (NodeCommand.Invalid e) {
            rejects++;
            Path to = unique(rejected.resolve(f.getFileName()));
            Files.move(f, to, StandardCopyOption.ATOMIC_MOVE);
            writeAtomically(to.resolveSibling(to.getFileName() + ".error"), (e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
            System.err.println("bulwark up: command rejected: " + e.getMessage() + " (moved to " + to + ")");
            return;
        }
        Path result = done.resolve(c.id() + ".json");
        if (Files.exists(result)) {
            replays++;
            Files.deleteIfExists(f);
            System.err.println("bulwark up: command " + c.id() + " already done (" + result + "): replay ignored");
            return;
        }
        ActionRecord r = actions.run(new NodeActions.Request(c.action(), c.target(), Map.of(), c.incident(), null, c.id(),
                "command", c.requestedBy()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("command", c);
        out.put("record", r);
        writeAtomically(result, (Json.line(out) + "\n").getBytes(StandardCharsets.UTF_8));
        Files.deleteIfExists(f);
        executed++;
        onResult.accept(r);
    }

    private static Path unique(Path p) {
        Path q = p;
        for (int i = 1; Files.exists(q); i++) {
            q = p.resolveSibling(p.getFileName() + "." + i);
        }
        return q;
    }

    /** Writes {@code bytes} to a temporary sibling, fsyncs it, renames it to {@code target} (never over an existing file), fsyncs the directory. */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            if (Files.exists(target)) {
                throw new FileAlreadyExistsException(target.toString());
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot fsync a directory
        }
    }

    public synchronized long executed() {
        return executed;
    }

    public synchronized long replays() {
        return replays;
    }

    public synchronized long rejects() {
        return rejects;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
