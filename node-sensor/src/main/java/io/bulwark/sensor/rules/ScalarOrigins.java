package io.bulwark.sensor.rules;

import io.bulwark.sensor.rules.condition.Origin;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Maps offsets in a YAML scalar's value back to line:column in the file, for plain, quoted, literal and
 * folded scalars. When the value cannot be matched to the source text the whole scalar maps to its start.
 */
final class ScalarOrigins {
    private ScalarOrigins() {}

    static Origin of(String file, String[] lines, ScalarNode node) {
        Mark start = node.getStartMark();
        Origin.Position startPos = new Origin.Position(file, start.getLine() + 1, start.getColumn() + 1);
        try {
            int[][] map = map(lines, node);
            if (map == null) {
                return Origin.fixed(startPos);
            }
            return offset -> {
                int k = Math.max(0, Math.min(offset, map.length - 1));
                return map.length == 0 ? startPos : new Origin.Position(file, map[k][0] + 1, map[k][1] + 1);
            };
        } catch (RuntimeException e) {
            return Origin.fixed(startPos);
        }
    }

    /** For each character of the value, {line, col} (0-based); null when the source does not line up. */
    private static int[][] map(String[] lines, ScalarNode node) {
        String value = node.getValue();
        Mark s = node.getStartMark();
        Mark e = node.getEndMark();
        DumperOptions.ScalarStyle style = node.getScalarStyle();
        int[][] out = new int[value.length() + 1][];
        int n = 0;
        int endLine = Math.min(e.getLine(), lines.length - 1);
        if (style == DumperOptions.ScalarStyle.LITERAL || style == DumperOptions.ScalarStyle.FOLDED) {
            int indent = -1;
            for (int l = s.getLine() + 1; l <= endLine && n < value.length(); l++) {
                String line = lines[l];
                if (line.isBlank()) {
                    if (n < value.length()) {
                        out[n++] = new int[]{l, 0};
                    }
                    continue;
                }
                if (indent < 0) {
                    indent = line.length() - line.stripLeading().length();
                }
                for (int c = Math.min(indent, line.length()); c < line.length() && n < value.length(); c++) {
                    out[n++] = new int[]{l, c};
                }
                if (n < value.length()) {
                    out[n++] = new int[]{l, line.length()};
                }
            }
        } else {
            boolean quoted = style == DumperOptions.ScalarStyle.SINGLE_QUOTED || style == DumperOptions.ScalarStyle.DOUBLE_QUOTED;
            for (int l = s.getLine(); l <= endLine && n < value.length(); l++) {
                String line = lines[l];
                int from = l == s.getLine() ? s.getColumn() + (quoted ? 1 : 0) : line.length() - line.stripLeading().length();
                int to = l == e.getLine() ? Math.min(line.length(), e.getColumn() - (quoted ? 1 : 0)) : line.stripTrailing().length();
                for (int c = from; c < to && n < value.length(); c++) {
                    char ch = line.charAt(c);
                    out[n++] = new int[]{l, c};
                    if (quoted && c + 1 < to && (style == DumperOptions.ScalarStyle.SINGLE_QUOTED && ch == '\'' || style == DumperOptions.ScalarStyle.DOUBLE_QUOTED && ch == '\\')) {
                        c++;
                    }
                }
                if (n < value.length() && l < endLine) {
                    out[n++] = new int[]{l, to};
                }
            }
        }
        if (n < value.length()) {
            return null;
        }
        // check that the non-blank characters line up with the value
        for (int k = 0; k < value.length(); k++) {
            char v = value.charAt(k);
            int[] p = out[k];
            if (Character.isWhitespace(v) || p[0] >= lines.length || p[1] >= lines[p[0]].length()) {
                continue;
            }
            char src = lines[p[0]].charAt(p[1]);
            if (src != v && src != '\'' && src != '\\') {
                return null;
            }
        }
        out[value.length()] = out[Math.max(0, value.length() - 1)] == null ? new int[]{s.getLine(), s.getColumn()} : out[Math.max(0, value.length() - 1)];
        return out;
    }
}
