package io.bulwark.sensor.rules.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Falco's {@code pmatch}: true when one of the paths is the value or a directory above it, comparing
 * whole path components; components may be globs ({@code /var/*}/{@code *.txt}).
 */
final class PathPrefixes {
    private final List<String[]> prefixes = new ArrayList<>();

    PathPrefixes(List<String> paths) {
        for (String p : paths) {
            prefixes.add(split(p));
        }
    }

    boolean matches(String path) {
        String[] v = split(path);
        for (String[] p : prefixes) {
            if (p.length > v.length) {
                continue;
            }
            boolean ok = true;
            for (int k = 0; k < p.length && ok; k++) {
                ok = Glob.hasMeta(p[k]) ? Glob.match(p[k], v[k]) : p[k].equals(v[k]);
            }
            if (ok) {
                return true;
            }
        }
        return false;
    }

    private static String[] split(String p) {
        List<String> parts = new ArrayList<>();
        for (String s : p.split("/")) {
            if (!s.isEmpty()) {
                parts.add(s);
            }
        }
        return parts.toArray(new String[0]);
    }
}
