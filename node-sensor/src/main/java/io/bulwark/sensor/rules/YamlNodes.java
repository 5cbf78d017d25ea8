package io.bulwark.sensor.rules;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Reading values out of YAML nodes the way Falco's loader does (null for a value of the wrong kind). */
final class YamlNodes {
    private YamlNodes() {}

    /** The scalar keys of a mapping in file order; a later duplicate key wins. */
    static Map<String, Node> mapping(MappingNode map) {
        Map<String, Node> m = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k) {
                m.put(k.getValue(), t.getValueNode());
            }
        }
        return m;
    }

    static String scalar(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : null;
    }

    /** A sequence of scalars; null when {@code n} is not one. */
    static List<String> strings(Node n) {
        if (!(n instanceof SequenceNode seq)) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Node x : seq.getValue()) {
            String s = scalar(x);
            if (s == null) {
                return null;
            }
            out.add(s);
        }
        return out;
    }

    /** YAML 1.1 booleans (true/yes/on, false/no/off); null otherwise. */
    static Boolean bool(Node n) {
        String s = scalar(n);
        if (s == null) {
            return null;
        }
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> null;
        };
    }
}
