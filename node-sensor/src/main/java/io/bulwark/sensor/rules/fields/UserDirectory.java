package io.bulwark.sensor.rules.fields;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * uid/gid to names, from the passwd and group files of the container's root filesystem when the
 * sensor knows it, else the host's. Files are re-read at most every 30 seconds.
 */
public class UserDirectory {
    /** One passwd line. */
    public record User(String name, String home, String shell) {}

    private record Table(long loadedAt, Map<Integer, User> users, Map<Integer, String> groups) {}

    private static final long TTL_NANOS = 30_000_000_000L;
    private final ConcurrentHashMap<String, Table> tables = new ConcurrentHashMap<>();

    /** The user for {@code uid} as seen from {@code root} ("/" for the host), or null if unknown. */
    public User user(String root, int uid) {
        User u = table(root).users.get(uid);
        if (u == null && uid == 0) {
            return new User("root", "/root", null);
        }
        return u;
    }

    public String group(String root, int gid) {
        String g = table(root).groups.get(gid);
        return g == null && gid == 0 ? "root" : g;
    }

    private Table table(String root) {
        String key = root == null || root.isEmpty() ? "/" : root;
        Table t = tables.get(key);
        long now = System.nanoTime();
        if (t == null || now - t.loadedAt > TTL_NANOS) {
            t = load(key, now);
            tables.put(key, t);
        }
        return t;
    }

    protected Table load(String root, long now) {
        Map<Integer, User> users = new HashMap<>();
        Map<Integer, String> groups = new HashMap<>();
        for (String line : lines(Path.of(root, "etc", "passwd"))) {
            String[] f = line.split(":", -1);
            if (f.length >= 7) {
                try {
                    users.putIfAbsent(Integer.parseInt(f[2]), new User(f[0], f[5], f[6]));
                } catch (NumberFormatException ignored) {
                    // a malformed line is skipped, as getpwuid would
                }
            }
        }
        for (String line : lines(Path.of(root, "etc", "group"))) {
            String[] f = line.split(":", -1);
            if (f.length >= 3) {
                try {
                    groups.putIfAbsent(Integer.parseInt(f[2]), f[0]);
                } catch (NumberFormatException ignored) {
                    // skipped
                }
            }
        }
        return new Table(now, users, groups);
    }

    private static java.util.List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException | RuntimeException e) {
            return java.util.List.of();
        }
    }
}
