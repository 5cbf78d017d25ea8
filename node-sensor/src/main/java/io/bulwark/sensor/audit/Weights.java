package io.bulwark.sensor.audit;

import io.bulwark.contract.EscapeSurfaceReport.Band;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Points per factor and the band thresholds. Defaults ship in {@code audit/weights.yaml}; a user
 * file overrides any subset of them. Every problem is reported as {@code file:line: reason}.
 *
 * @param points points per factor id
 * @param medium lowest score that is MEDIUM
 * @param high   lowest score that is HIGH
 */
public record Weights(Map<String, Integer> points, int medium, int high) {
    static final String DEFAULTS = "audit/weights.yaml";
    private static volatile Weights defaults;

    public Weights {
        points = Collections.unmodifiableMap(new LinkedHashMap<>(points));
    }

    /** The shipped defaults. */
    public static Weights defaults() {
        Weights d = defaults;
        if (d == null) {
            try (InputStream in = Weights.class.getClassLoader().getResourceAsStream(DEFAULTS)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + DEFAULTS + " missing from the sensor jar");
                }
                d = parse("classpath:" + DEFAULTS, new String(in.readAllBytes(), StandardCharsets.UTF_8), null);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + DEFAULTS, e);
            }
            defaults = d;
        }
        return d;
    }

    /** The defaults overridden by a user file. */
    public static Weights load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new WeightsException(file.toString(), 0, "cannot read: " + e.getMessage());
        }
        return parse(file.toString(), text, defaults());
    }

    /** Points of a factor; 0 for an id the weights do not know. */
    public int of(String factorId) {
        return points.getOrDefault(factorId, 0);
    }

    /** The band of a score; privileged containers are always HIGH. */
    public Band band(int score, boolean privileged) {
        if (privileged || score >= high) {
            return Band.HIGH;
        }
        return score >= medium ? Band.MEDIUM : Band.LOW;
    }

    /**
     * Parses a weights document. With {@code base == null} it must be complete (the shipped
     * defaults); otherwise it overrides {@code base} and may only name keys {@code base} knows.
     */
    static Weights parse(String name, String text, Weights base) {
        Node root;
        try {
            root = new Yaml().compose(new java.io.StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new WeightsException(name, m == null ? 0 : m.getLine() + 1, "not valid YAML: " + e.getProblem());
        } catch (RuntimeException e) {
            throw new WeightsException(name, 0, "not valid YAML: " + e.getMessage());
        }
        Map<String, Integer> points = new LinkedHashMap<>(base == null ? Map.of() : base.points());
        Integer medium = base == null ? null : base.medium();
        Integer high = base == null ? null : base.high();
        if (root == null) {
            if (base == null) {
                throw new WeightsException(name, 0, "empty");
            }
            return base;
        }
        if (!(root instanceof MappingNode top)) {
            throw new WeightsException(name, line(root), "expected a mapping with 'bands' and 'weights'");
        }
        int bandsLine = 0;
        for (NodeTuple t : top.getValue()) {
            String key = scalar(name, t.getKeyNode());
            switch (key) {
                case "weights" -> {
                    for (NodeTuple w : mapping(name, key, t.getValueNode()).getValue()) {
                        String id = scalar(name, w.getKeyNode());
                        if (base != null && !base.points().containsKey(id)) {
                            throw new WeightsException(name, line(w.getKeyNode()), "unknown factor '" + id
                                    + "' (known: " + String.join(", ", base.points().keySet()) + ")");
                        }
                        points.put(id, points(name, id, w.getValueNode()));
                    }
                }
                case "bands" -> {
                    bandsLine = line(t.getKeyNode());
                    for (NodeTuple b : mapping(name, key, t.getValueNode()).getValue()) {
                        String band = scalar(name, b.getKeyNode());
                        switch (band) {
                            case "medium" -> medium = points(name, "bands.medium", b.getValueNode());
                            case "high" -> high = points(name, "bands.high", b.getValueNode());
                            default -> throw new WeightsException(name, line(b.getKeyNode()),
                                    "unknown band '" + band + "' (bands are medium and high; LOW is below medium)");
                        }
                    }
                }
                default -> throw new WeightsException(name, line(t.getKeyNode()),
                        "unknown key '" + key + "' (expected 'bands' or 'weights')");
            }
        }
        if (medium == null || high == null) {
            throw new WeightsException(name, bandsLine, "bands.medium and bands.high are required");
        }
        if (medium < 1 || medium >= high) {
            throw new WeightsException(name, bandsLine, "bands must satisfy 1 <= medium < high <= 100, got medium "
                    + medium + " and high " + high);
        }
        return new Weights(points, medium, high);
    }

    private static MappingNode mapping(String name, String key, Node node) {
        if (node instanceof MappingNode m) {
            return m;
        }
        throw new WeightsException(name, line(node), "'" + key + "' must be a mapping");
    }

    private static String scalar(String name, Node node) {
        if (node instanceof ScalarNode s) {
            return s.getValue();
        }
        throw new WeightsException(name, line(node), "expected a plain key");
    }

    private static int points(String name, String key, Node node) {
        if (node instanceof ScalarNode s) {
            try {
                int v = Integer.parseInt(s.getValue().strip());
                if (v >= 0 && v <= 100) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new WeightsException(name, line(node), key + ": '" + s.getValue() + "' is not a whole number from 0 to 100");
        }
        throw new WeightsException(name, line(node), key + ": expected a number");
    }

    private static int line(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }
}
