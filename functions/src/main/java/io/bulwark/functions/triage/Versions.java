package io.bulwark.functions.triage;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Version comparison for runtime and kernel versions: numeric parts compared as numbers
 * ({@code 1.1.11 < 1.1.12}, {@code 5.10.102 > 5.10.9}), a pre-release after a hyphen before the
 * release ({@code 1.0.0-rc6 < 1.0.0-rc7 < 1.0.0}). A kernel's distribution suffix is ignored
 * ({@code 6.1.112-124.190.amzn2023.x86_64} is 6.1.112); so is a leading {@code v}.
 */
public final class Versions {
    private static final Pattern HEAD = Pattern.compile("^v?(\\d+(?:\\.\\d+)*)(?:-(rc|alpha|beta|pre)\\.?(\\d+))?");

    private Versions() {}

    public static boolean parseable(String v) {
        return v != null && HEAD.matcher(v.trim()).find();
    }

    /** The comparable parts: numbers, then a pre-release marker (-1 rc n) or 0 for a release. */
    static List<Long> parts(String v) {
        Matcher m = HEAD.matcher(v.trim());
        if (!m.find()) {
            throw new IllegalArgumentException("not a version: " + v);
        }
        List<Long> out = new ArrayList<>();
        for (String p : m.group(1).split("\\.")) {
            out.add(Long.parseLong(p));
        }
        while (out.size() < 4) {
            out.add(0L);
        }
        if (m.group(2) != null) {
            out.add(-1L);
            out.add(Long.parseLong(m.group(3)));
        } else {
            out.add(0L);
            out.add(0L);
        }
        return out;
    }

    public static int compare(String a, String b) {
        List<Long> x = parts(a);
        List<Long> y = parts(b);
        // numeric parts first (padded to 4), then the pre-release marker
        for (int i = 0; i < Math.max(x.size(), y.size()); i++) {
            long xi = i < x.size() ? x.get(i) : 0;
            long yi = i < y.size() ? y.get(i) : 0;
            if (xi != yi) {
                return Long.compare(xi, yi);
            }
        }
        return 0;
    }
}
