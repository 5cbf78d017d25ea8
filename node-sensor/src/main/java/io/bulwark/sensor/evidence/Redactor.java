package io.bulwark.sensor.evidence;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Secret-looking values out of evidence: environment variables (and {@code --name=value} command-line
 * options) whose name says secret, and values that look like keys whatever their name. A redacted
 * value becomes {@value #MARK}; its length and hash are not kept (a hash of a short password is a
 * lookup away from the password). The rules are in docs/evidence.md.
 */
public final class Redactor {
    public static final String MARK = "[REDACTED]";

    /** Name parts (split on anything not a letter or digit) that make a value secret. */
    private static final Set<String> SECRET_PARTS = Set.of("KEY", "KEYS", "TOKEN", "TOKENS", "SECRET", "SECRETS", "PASSWORD",
            "PASSWORDS", "PASSWD", "PASS", "PWD_HASH", "CREDENTIAL", "CREDENTIALS", "CREDS", "API", "APIKEY", "AUTH",
            "AUTHORIZATION", "PRIVATE", "SESSION", "COOKIE", "SIGNATURE", "CERT", "PASSPHRASE", "DSN", "CONNECTIONSTRING");
    /** Names that contain a secret-looking part but are not secrets. */
    private static final Set<String> NOT_SECRET = Set.of("PWD", "OLDPWD", "KEYBOARD", "XAUTHORITY");

    private static final List<Pattern> KEY_LIKE = List.of(
            Pattern.compile("(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}"),          // AWS access key id
            Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*"),      // JWT
            Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----"),                                // PEM private key
            Pattern.compile("(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}"),              // GitHub tokens
            Pattern.compile("xox[abposr]-[A-Za-z0-9-]{10,}"),                                      // Slack tokens
            Pattern.compile("sk_(?:live|test)_[A-Za-z0-9]{16,}"),                                  // Stripe-style secret keys
            Pattern.compile("[a-z][a-z0-9+.-]*://[^/\\s:@]+:[^/\\s@]+@"));                          // credentials in a URL

    private Redactor() {}

    /** True when an environment variable (or option) of this name holds a secret by its name. */
    public static boolean secretName(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        if (NOT_SECRET.contains(upper)) {
            return false;
        }
        if (upper.startsWith("AWS_")) {
            return true;
        }
        for (String part : upper.split("[^A-Z0-9]+")) {
            if (SECRET_PARTS.contains(part)) {
                return true;
            }
        }
        // glued names: MYAPIKEY, DBPASSWORD, GITHUBTOKEN
        return upper.endsWith("PASSWORD") || upper.endsWith("PASSWD") || upper.endsWith("TOKEN") || upper.endsWith("SECRET")
                || upper.endsWith("APIKEY") || upper.endsWith("ACCESSKEY") || upper.endsWith("PRIVATEKEY");
    }

    /**
     * True when a value looks like a key or credential whatever its name: a known token format, or a
     * long run (at least 32 characters) of base64/hex with letters and digits mixed, as random keys are.
     */
    public static boolean keyLike(String value) {
        for (Pattern p : KEY_LIKE) {
            if (p.matcher(value).find()) {
                return true;
            }
        }
        return highEntropyRun(value);
    }

    private static boolean highEntropyRun(String v) {
        int run = 0;
        boolean upper = false, lower = false, digit = false;
        for (int i = 0; i <= v.length(); i++) {
            char c = i < v.length() ? v.charAt(i) : ' ';
            boolean token = Character.isLetterOrDigit(c) && c < 128 || c == '+' || c == '/' || c == '=' || c == '_' || c == '-';
            if (token) {
                run++;
                upper |= c >= 'A' && c <= 'Z';
                lower |= c >= 'a' && c <= 'z';
                digit |= c >= '0' && c <= '9';
            } else {
                // a path or a sentence is not a key: letters and digits of both cases, no separators
                if (run >= 32 && digit && (upper || lower) && (upper && lower || isHexRun(v, i - run, i))) {
                    return true;
                }
                run = 0;
                upper = lower = digit = false;
            }
        }
        return false;
    }

    private static boolean isHexRun(String v, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(v.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** One {@code NAME=value} environment entry, redacted when the name or the value says secret. */
    public static String environ(String entry) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
            return keyLike(entry) ? MARK : entry;
        }
        String name = entry.substring(0, eq);
        String value = entry.substring(eq + 1);
        if (!value.isEmpty() && (secretName(name) || keyLike(value))) {
            return name + "=" + MARK;
        }
        return entry;
    }

    /** Every entry of an environment (NUL-separated as /proc/PID/environ holds it), redacted. */
    public static List<String> environ(List<String> entries) {
        List<String> out = new ArrayList<>(entries.size());
        for (String e : entries) {
            out.add(environ(e));
        }
        return out;
    }

    /**
     * Command-line arguments with secret values hidden: {@code --password=x} and {@code --token x}
     * style options by their name, {@code NAME=value} arguments as environment entries, and any
     * key-looking argument.
     */
    public static List<String> argv(List<String> argv) {
        List<String> out = new ArrayList<>(argv.size());
        boolean nextSecret = false;
        for (String a : argv) {
            if (nextSecret && !a.startsWith("-")) {
                out.add(MARK);
                nextSecret = false;
                continue;
            }
            nextSecret = false;
            if (a.startsWith("-")) {
                String opt = a.replaceFirst("^-+", "");
                int eq = opt.indexOf('=');
                if (eq > 0) {
                    if (secretName(opt.substring(0, eq)) && eq + 1 < opt.length()) {
                        out.add(a.substring(0, a.indexOf('=') + 1) + MARK);
                        continue;
                    }
                } else if (secretName(opt) && !opt.isEmpty()) {
                    nextSecret = true;
                }
            }
            int eq = a.indexOf('=');
            if (!a.startsWith("-") && eq > 0 && a.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_.-]*")) {
                out.add(environ(a)); // NAME=value: as in an environment (env, runc exec --env, docker run -e)
                continue;
            }
            out.add(keyLike(a) ? MARK : a);
        }
        return out;
    }
}
