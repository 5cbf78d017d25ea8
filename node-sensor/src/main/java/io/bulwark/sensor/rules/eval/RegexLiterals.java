package io.bulwark.sensor.rules.eval;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Literal text that every match of a regular expression contains: a set of strings, one of which is in
 * any string the pattern matches ({@code /etc/kubernetes/|/var/lib/kubelet/} for a pattern naming those
 * directories). A cheap {@code contains} test then rejects most values before the regex engine runs.
 * Conservative: any construct it does not model exactly (classes, escapes of letters, lookarounds, flags,
 * {@code \Q}) yields no literal for that part, and anything unexpected yields no set at all.
 */
final class RegexLiterals {
    private final String re;
    private int i;

    private RegexLiterals(String re) {
        this.re = re;
    }

    /** One of these strings is in every match of {@code re}; null when nothing useful is known. */
    static String[] required(String re) {
        try {
            RegexLiterals p = new RegexLiterals(re);
            Info info = p.alt();
            if (p.i != re.length()) {
                return null;
            }
            Set<String> req = info.best();
            if (req == null || req.isEmpty()) {
                return null;
            }
            for (String s : req) {
                if (s.isEmpty()) {
                    return null;
                }
            }
            return req.toArray(new String[0]);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** What is known of a sub-pattern: the one string it matches (exact), or literal sets every match contains. */
    private record Info(String exact, Set<String> req) {
        static final Info NOTHING = new Info(null, null);

        /** The most selective requirement: the set whose shortest string is longest. */
        Set<String> best() {
            if (exact != null) {
                return exact.isEmpty() ? null : Set.of(exact);
            }
            return req;
        }
    }

    private static final class Bail extends RuntimeException {
        Bail() {
            super(null, null, false, false);
        }
    }

    private Info alt() {
        List<Info> branches = new ArrayList<>();
        branches.add(seq());
        while (i < re.length() && re.charAt(i) == '|') {
            i++;
            branches.add(seq());
        }
        if (branches.size() == 1) {
            return branches.get(0);
        }
        Set<String> union = new LinkedHashSet<>();
        for (Info b : branches) {
            Set<String> s = b.best();
            if (s == null) {
                return Info.NOTHING;
            }
            union.addAll(s);
        }
        return new Info(null, union);
    }

    private Info seq() {
        List<Set<String>> candidates = new ArrayList<>();
        StringBuilder run = new StringBuilder();
        boolean allExact = true;
        StringBuilder whole = new StringBuilder();
        while (i < re.length() && re.charAt(i) != '|' && re.charAt(i) != ')') {
            Info a = atom();
            a = quantified(a);
            if (a.exact != null) {
                run.append(a.exact);
                whole.append(a.exact);
                continue;
            }
            allExact = false;
            if (run.length() > 0) {
                candidates.add(Set.of(run.toString()));
                run.setLength(0);
            }
            if (a.req != null) {
                candidates.add(a.req);
            }
        }
        if (allExact) {
            return new Info(whole.toString(), null);
        }
        if (run.length() > 0) {
            candidates.add(Set.of(run.toString()));
        }
        Set<String> best = null;
        int bestLen = 0;
        for (Set<String> c : candidates) {
            int min = Integer.MAX_VALUE;
            for (String s : c) {
                min = Math.min(min, s.length());
            }
            if (min > bestLen) {
                bestLen = min;
                best = c;
            }
        }
        return new Info(null, best);
    }

    private Info atom() {
        char c = re.charAt(i);
        switch (c) {
            case '(' -> {
                i++;
                if (i < re.length() && re.charAt(i) == '?') {
                    if (i + 1 < re.length() && re.charAt(i + 1) == ':') {
                        i += 2;
                    } else {
                        throw new Bail(); // lookaround, flags, named group: not modelled
                    }
                }
                Info in = alt();
                if (i >= re.length() || re.charAt(i) != ')') {
                    throw new Bail();
                }
                i++;
                return in;
            }
            case '[' -> {
                skipClass();
                return Info.NOTHING;
            }
            case '.' -> {
                i++;
                return Info.NOTHING;
            }
            case '^', '$' -> {
                i++;
                return new Info("", null);
            }
            case '\\' -> {
                if (i + 1 >= re.length()) {
                    throw new Bail();
                }
                char e = re.charAt(i + 1);
                i += 2;
                if (Character.isLetterOrDigit(e)) {
                    if (e == 'Q' || e == 'E' || e == 'b' || e == 'B' || e == 'A' || e == 'z' || e == 'Z' || e == 'G'
                            || Character.isDigit(e) || e == 'k' || e == 'p' || e == 'P' || e == 'x' || e == 'u' || e == 'c'
                            || e == 'N' || e == 'R' || e == 'X') {
                        throw new Bail();
                    }
                    return Info.NOTHING; // \d \w \s \t \n ...: one character, not a literal we track
                }
                return new Info(String.valueOf(e), null);
            }
            case '*', '+', '?', '{', ')', '|', ']', '}' -> throw new Bail();
            default -> {
                i++;
                return new Info(String.valueOf(c), null);
            }
        }
    }

    private void skipClass() {
        int depth = 0;
        i++; // '['
        if (i < re.length() && re.charAt(i) == '^') {
            i++;
        }
        if (i < re.length() && re.charAt(i) == ']') {
            throw new Bail(); // a leading ']': left alone
        }
        while (i < re.length()) {
            char c = re.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '[') {
                depth++;
            } else if (c == ']') {
                if (depth == 0) {
                    i++;
                    return;
                }
                depth--;
            }
            i++;
        }
        throw new Bail();
    }

    private Info quantified(Info a) {
        if (i >= re.length()) {
            return a;
        }
        char q = re.charAt(i);
        boolean atLeastOnce;
        if (q == '?' || q == '*') {
            i++;
            atLeastOnce = false;
        } else if (q == '+') {
            i++;
            atLeastOnce = true;
        } else if (q == '{') {
            int close = re.indexOf('}', i);
            if (close < 0) {
                throw new Bail();
            }
            String body = re.substring(i + 1, close);
            String min = body.contains(",") ? body.substring(0, body.indexOf(',')) : body;
            if (!min.matches("[0-9]+")) {
                throw new Bail();
            }
            atLeastOnce = Integer.parseInt(min) >= 1;
            i = close + 1;
        } else {
            return a;
        }
        if (i < re.length() && (re.charAt(i) == '?' || re.charAt(i) == '+')) {
            i++; // lazy or possessive: same strings
        }
        if (!atLeastOnce) {
            return Info.NOTHING;
        }
        Set<String> s = a.best();
        return new Info(null, s);
    }
}
