package io.bulwark.sensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The sensor's stages depend on each other one way: {@code Sensor} runs the {@code WarmUp}, both
 * feed a {@code RecordPipeline}, and nothing below points back up. Read from the compiled classes'
 * constant pools (every class, field and method type a class refers to), so a reference through a
 * fully qualified name or a nested type counts as much as an import.
 */
class PackageCyclesTest {
    private static final String PKG = "io/bulwark/sensor/";
    /** A class of the package itself (not of a subpackage): the next character ends the name or starts a nested one. */
    private static final Pattern MEMBER = Pattern.compile(Pattern.quote(PKG) + "([A-Za-z0-9_]+)(?=[;$<.]|$)");

    @Test
    void theSensorPackageHasNoDependencyCycle() throws Exception {
        Map<String, Set<String>> deps = dependencies();
        assertTrue(deps.keySet().containsAll(Set.of("Sensor", "WarmUp", "RecordPipeline", "RepeatCache", "KernelFilterFeedback")),
                "the package's classes found: " + deps.keySet());
        assertTrue(deps.get("Sensor").contains("WarmUp"), "the scan sees references (Sensor runs the WarmUp): " + deps);
        assertEquals(List.of(), cycle(deps), "a dependency cycle between the sensor's classes: " + deps);
    }

    @Test
    void theWarmUpDoesNotKnowTheSensor() throws Exception {
        Set<String> warm = dependencies().get("WarmUp");
        assertTrue(!warm.contains("Sensor"), "WarmUp refers to Sensor: " + warm);
    }

    /** Top-level class of io.bulwark.sensor → the package's other top-level classes it refers to (nested classes count as their outer one). */
    private static Map<String, Set<String>> dependencies() throws IOException, URISyntaxException {
        Path dir = Path.of(Sensor.class.getResource("Sensor.class").toURI()).getParent();
        Map<String, Set<String>> deps = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = f.getFileName().toString();
                String owner = name.substring(0, name.length() - ".class".length()).split("\\$")[0];
                Set<String> out = deps.computeIfAbsent(owner, k -> new TreeSet<>());
                try (InputStream in = Files.newInputStream(f)) {
                    for (String s : utf8Constants(in)) {
                        Matcher m = MEMBER.matcher(s);
                        while (m.find()) {
                            if (!m.group(1).equals(owner)) {
                                out.add(m.group(1));
                            }
                        }
                    }
                }
            }
        }
        return deps;
    }

    /** The first cycle found (its classes in order), or an empty list. */
    private static List<String> cycle(Map<String, Set<String>> deps) {
        Set<String> done = new HashSet<>();
        for (String start : deps.keySet()) {
            List<String> path = new ArrayList<>();
            List<String> c = visit(start, deps, path, done);
            if (c != null) {
                return c;
            }
        }
        return List.of();
    }

    private static List<String> visit(String n, Map<String, Set<String>> deps, List<String> path, Set<String> done) {
        int at = path.indexOf(n);
        if (at >= 0) {
            List<String> c = new ArrayList<>(path.subList(at, path.size()));
            c.add(n);
            return c;
        }
        if (done.contains(n)) {
            return null;
        }
        path.add(n);
        for (String d : deps.getOrDefault(n, Set.of())) {
            List<String> c = visit(d, deps, path, done);
            if (c != null) {
                return c;
            }
        }
        path.remove(path.size() - 1);
        done.add(n);
        return null;
    }

    /** The UTF-8 entries of a class file's constant pool (JVMS 4.4): class names and descriptors are among them. */
    private static List<String> utf8Constants(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        List<String> out = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> out.add(in.readUTF());
                case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                case 15 -> in.skipNBytes(3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++; // takes two entries
                }
                default -> throw new IOException("unknown constant pool tag " + tag + " at entry " + i);
            }
        }
        return out;
    }
}
