package io.bulwark.sensor.rules.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Falco's {@code pmatch}: true when one of the paths is the value or a directory above it, comparing
 * whole path components; components may be globs ({@code /var/*}/{@code *.txt}).
 */
final class PathPrefixes {
    private final String[][] prefixes;
    private final boolean[][] globs;

    PathPrefixes(List<String> paths) {
        prefixes = new String[paths.size()][];
        globs = new boolean[paths.size()][];
        for (int k = 0; k < paths.size(); k++) {
            prefixes[k] = split(paths.get(k));
            globs[k] = new boolean[prefixes[k].length];
            for (int c = 0; c < prefixes[k].length; c++) {
                globs[k][c] = Glob.hasMeta(prefixes[k][c]);
            }
        }
    }

    boolean matches(String path) {
        // the value's first component, found once: most prefixes fail on it
        int n = path.length();
        int i = 0;
        while (i < n && path.charAt(i) == '/') {
            i++;
        }
        int end = i == n ? n : path.indexOf('/', i);
        if (end < 0) {
            end = n;
        }
        int len = end - i;
        for (int k = 0; k < prefixes.length; k++) {
            String[] p = prefixes[k];
            if (p.length > 0 && !globs[k][0] && (i == n || p[0].length() != len || !path.startsWith(p[0], i))) {
                continue;
            }
            if (startsWith(path, p, globs[k])) {
                return true;
            }
        }
        return false;
    }

    /** Whether the first components of {@code path} (empty ones skipped, as {@link #split}) are {@code p}'s. */
    private static boolean startsWith(String path, String[] p, boolean[] glob) {
        int n = path.length();
        int i = 0;
        for (int c = 0; c < p.length; c++) {
            String comp = p[c];
            while (i < n && path.charAt(i) == '/') {
                i++;
            }
            if (i == n) {
                return false; // fewer components than the prefix
            }
            int end = path.indexOf('/', i);
            if (end < 0) {
                end = n;
            }
            boolean ok = glob[c] ? Glob.match(comp, path.substring(i, end))
                    : end - i == comp.length() && path.startsWith(comp, i);
            if (!ok) {
                return false;
            }
            i = end;
        }
        return true;
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
