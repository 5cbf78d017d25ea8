package io.bulwark.sensor.probe;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * No blind window across a sensor restart: the ring buffer and the programs' links are pinned in
 * bpffs ({@code /sys/fs/bpf/bulwark/} by default). When the sensor dies ({@code kill -9}, a
 * crash, an upgrade that keeps the pins) the programs stay attached and keep writing into the
 * pinned ring. The next sensor loads its programs with that ring (libbpf reuses a compatible
 * pinned map), attaches and pins its own links, then removes the earlier sensor's link pins (its
 * programs detach: nothing else holds them) and decodes what accumulated.
 *
 * <p>Limits: what the ring holds (its size, {@code --ring-mib}; when it fills while nobody reads,
 * the earlier programs count drops that nobody reports); the ring of another size is not
 * adopted (its pin is replaced, what it held is lost, and that is logged); the process table is
 * rebuilt from /proc, so the ancestry of a process that started and exited while the sensor was
 * down is what its recorded exec events say; for a few milliseconds after the adoption both
 * programs sets run and an event may be sent twice (with the same alert id).
 *
 * <p>Names: {@code events-<ring bytes>} for the ring, {@code link-<pid>-<program>} for the links.
 */
public final class Pins {
    private static final Logger LOG = Logger.getLogger(Pins.class);

    private final Path dir;
    private final Path ring;
    private final boolean adopted;
    private final List<Path> earlierLinks;
    private final List<Path> ours = new ArrayList<>();

    private Pins(Path dir, Path ring, boolean adopted, List<Path> earlierLinks) {
        this.dir = dir;
        this.ring = ring;
        this.adopted = adopted;
        this.earlierLinks = earlierLinks;
    }

    /** Before the object's load: the ring map pinned at (or reused from) {@code dir/events-<bytes>}. */
    static Pins prepare(Path dir, BpfObject obj, int ringBytes) {
        if (dir.startsWith("/sys/fs/bpf")) {
            Environment.ensureBpffs();
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new EnvironmentException("cannot create the pin directory " + dir + ": " + e.getMessage()
                    + " (is bpffs mounted at /sys/fs/bpf? mount -t bpf bpf /sys/fs/bpf; or run up with --pin-dir none)");
        }
        Path ring = dir.resolve("events-" + ringBytes);
        List<Path> links = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith("link-")) {
                    long pid = pidOf(name);
                    if (pid > 0 && pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        throw new EnvironmentException("another sensor (pid " + pid + ") is running with its programs pinned in " + dir
                                + ": stop it first, or give this one another --pin-dir");
                    }
                    links.add(p);
                } else if (name.startsWith("events-") && !p.equals(ring)) {
                    LOG.warnf("an earlier sensor's ring %s has another size than this one (%d bytes): removed, what it held is lost", p, ringBytes);
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new EnvironmentException("cannot read the pin directory " + dir + ": " + e.getMessage());
        }
        boolean adopted = Files.exists(ring);
        obj.setPinPath("events", ring);
        return new Pins(dir, ring, adopted, links);
    }

    private static long pidOf(String linkName) {
        String[] parts = linkName.split("-", 3);
        try {
            return parts.length == 3 ? Long.parseLong(parts[1]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** After attach: our links pinned, the earlier sensor's unpinned (its programs detach). */
    void attached(BpfObject obj) {
        ours.addAll(obj.pinLinks(dir, "link-" + ProcessHandle.current().pid() + "-"));
        for (Path p : earlierLinks) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                LOG.warnf("cannot remove the earlier sensor's link %s (its program stays attached): %s", p, e.getMessage());
            }
        }
        if (adopted) {
            LOG.infof("resumed the ring an earlier sensor left pinned at %s: what its programs recorded meanwhile is decoded now; "
                    + "%d earlier program links detached", ring, earlierLinks.size());
        }
    }

    /** True when the ring was an earlier sensor's. */
    public boolean adopted() {
        return adopted;
    }

    public Path dir() {
        return dir;
    }

    /** Removes our pins and the ring's (a clean stop: nothing left attached). */
    void remove() {
        for (Path p : ours) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // bpffs: unlink does not fail for a pin we made
            }
        }
        try {
            Files.deleteIfExists(ring);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // another sensor's pins in the directory: leave it
        }
    }
}
