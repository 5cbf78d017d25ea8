package io.bulwark.sensor.evidence;

import io.bulwark.contract.Capabilities;
import io.bulwark.sensor.enrich.ProcessTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What /proc says about one process at the moment of the snapshot: the raw status, cgroup,
 * mountinfo and maps; capabilities decoded; open descriptors (readlink of fd/*); namespaces;
 * command line and environment with secrets redacted; and its executable, opened so that the
 * hash can be computed later from the very file the process ran even if it is deleted or replaced.
 * Read on the decoder thread: every file is bounded ({@link #MAX_FILE}, {@link #MAX_FDS}).
 */
final class ProcFacts {
    static final int MAX_FILE = 1 << 20;
    static final int MAX_FDS = 1024;
    private static final List<String> RAW = List.of("status", "cgroup", "mountinfo", "maps");
    private static final List<String> NS = List.of("cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "user", "uts");

    final int pid;
    final List<String> roles;
    boolean gone;
    final Map<String, byte[]> raw = new LinkedHashMap<>();
    final Map<String, Object> summary = new LinkedHashMap<>();
    final Map<Integer, String> fds = new TreeMap<>();
    List<String> argv;
    List<String> environ;
    String exe;
    /** The executable, open (closed once hashed); its identity for hashing each file once. */
    FileChannel exeChannel;
    String exeIdentity;
    final List<String> errors = new java.util.ArrayList<>();

    private ProcFacts(int pid, List<String> roles) {
        this.pid = pid;
        this.roles = roles;
    }

    static ProcFacts read(Path proc, int pid, List<String> roles) {
        ProcFacts f = new ProcFacts(pid, roles);
        Path dir = proc.resolve(Integer.toString(pid));
        if (!Files.isDirectory(dir)) {
            f.gone = true;
            return f;
        }
        for (String name : RAW) {
            byte[] b = readBounded(dir.resolve(name), f);
            if (b != null) {
                f.raw.put(name, b);
            }
        }
        byte[] cmd = readBounded(dir.resolve("cmdline"), f);
        f.argv = cmd == null ? List.of() : Redactor.argv(ProcessTable.splitNul(cmd, cmd.length));
        byte[] env = readBounded(dir.resolve("environ"), f);
        // the raw environment never leaves this method: only the redacted entries are kept
        f.environ = env == null ? List.of() : Redactor.environ(ProcessTable.splitNul(env, env.length));
        try {
            f.exe = Files.readSymbolicLink(dir.resolve("exe")).toString();
        } catch (IOException | RuntimeException e) {
            f.errors.add("exe: " + e.getMessage());
        }
        try {
            Path exeLink = dir.resolve("exe");
            Map<String, Object> id = Files.readAttributes(exeLink, "unix:dev,ino,size");
            f.exeIdentity = id.get("dev") + ":" + id.get("ino");
            f.summary.put("exe_size", id.get("size"));
            f.exeChannel = FileChannel.open(exeLink, StandardOpenOption.READ);
        } catch (IOException | RuntimeException e) {
            f.errors.add("exe open: " + e.getMessage());
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve("fd"))) {
            for (Path fd : ds) {
                if (f.fds.size() >= MAX_FDS) {
                    f.errors.add("fd: more than " + MAX_FDS + " descriptors, the rest not listed");
                    break;
                }
                try {
                    f.fds.put(Integer.parseInt(fd.getFileName().toString()), Files.readSymbolicLink(fd).toString());
                } catch (IOException | RuntimeException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            f.errors.add("fd: " + e.getMessage());
        }
        Map<String, String> ns = new LinkedHashMap<>();
        for (String n : NS) {
            try {
                ns.put(n, Files.readSymbolicLink(dir.resolve("ns").resolve(n)).toString());
            } catch (IOException | RuntimeException e) {
                // not on this kernel, or gone
            }
        }
        for (String link : List.of("cwd", "root")) {
            try {
                f.summary.put(link, Files.readSymbolicLink(dir.resolve(link)).toString());
            } catch (IOException | RuntimeException e) {
                f.errors.add(link + ": " + e.getMessage());
            }
        }
        f.summary.put("namespaces", ns);
        byte[] status = f.raw.get("status");
        if (status != null) {
            decodeStatus(new String(status, StandardCharsets.UTF_8), f.summary);
        } else {
            f.gone = true;
        }
        return f;
    }

    /** Name, state, ids, and every capability set as names. */
    static void decodeStatus(String status, Map<String, Object> out) {
        Map<String, Object> caps = new LinkedHashMap<>();
        for (String line : status.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "Name", "State", "Tgid", "PPid", "NSpid", "Uid", "Gid", "Groups", "Seccomp", "NoNewPrivs" ->
                        out.put(key.toLowerCase(), value);
                case "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" -> {
                    long mask = Long.parseUnsignedLong(value, 16);
                    caps.put(switch (key) {
                        case "CapInh" -> "inheritable";
                        case "CapPrm" -> "permitted";
                        case "CapEff" -> "effective";
                        case "CapBnd" -> "bounding";
                        default -> "ambient";
                    }, Map.of("hex", value, "names", Capabilities.names(mask)));
                }
                default -> { }
            }
        }
        out.put("capabilities", caps);
    }

    private static byte[] readBounded(Path file, ProcFacts f) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(MAX_FILE);
            if (b.length == MAX_FILE && in.read() >= 0) {
                f.errors.add(file.getFileName() + ": cut at " + MAX_FILE + " bytes");
            }
            return b;
        } catch (IOException | RuntimeException e) {
            f.errors.add(file.getFileName() + ": " + e.getMessage());
            return null;
        }
    }

    /** Socket inode numbers this process holds open ({@code socket:[123]}), for the network artifact. */
    Map<Long, Integer> sockets() {
        Map<Long, Integer> out = new LinkedHashMap<>();
        for (Map.Entry<Integer, String> e : fds.entrySet()) {
            String t = e.getValue();
            if (t.startsWith("socket:[") && t.endsWith("]")) {
                try {
                    out.put(Long.parseLong(t.substring(8, t.length() - 1)), e.getKey());
                } catch (NumberFormatException ignored) {
                    // not a socket inode
                }
            }
        }
        return out;
    }

    void closeExe() {
        if (exeChannel != null) {
            try {
                exeChannel.close();
            } catch (IOException ignored) {
                // read-only
            }
            exeChannel = null;
        }
    }
}
