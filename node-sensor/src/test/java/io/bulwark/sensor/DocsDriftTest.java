package io.bulwark.sensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Sample sessions in the README and docs/ stay true as rules and programs are added: they carry no count of
 * loaded rules or attached programs (a real session's line keeps "…" where the count was). docs/benchmarks.md is
 * exempt: it is a dated record, and its counts say what was measured then. Docs also name no file outside the
 * repository (the design notes they once pointed to are not shipped with it).
 */
class DocsDriftTest {
    private static final Pattern COUNT = Pattern.compile("\\b\\d+ (rules loaded|programs attached)");
    private static final Pattern OUTSIDE = Pattern.compile("\\.\\./shared/|\\.\\./\\.\\./shared");

    static List<Path> docs() throws Exception {
        Path root = Path.of("..");
        assertTrue(Files.exists(root.resolve("README.md")), "README.md not found from " + root.toAbsolutePath());
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        try (Stream<Path> s = Files.list(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    @Test
    void noSampleSessionCountsRulesOrPrograms() throws Exception {
        List<String> found = new ArrayList<>();
        for (Path f : docs()) {
            if (f.getFileName().toString().equals("benchmarks.md")) continue;
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = COUNT.matcher(lines.get(i));
                while (m.find()) found.add(f.normalize() + ":" + (i + 1) + ": '" + m.group() + "' drifts as rules and programs change; write '… " + m.group(1) + "'");
            }
        }
        assertEquals(List.of(), found);
    }

    @Test
    void docsPointInsideTheRepository() throws Exception {
        List<String> found = new ArrayList<>();
        for (Path f : docs()) {
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                if (OUTSIDE.matcher(lines.get(i)).find()) found.add(f.normalize() + ":" + (i + 1) + ": " + lines.get(i).strip());
            }
        }
        assertEquals(List.of(), found, "a path outside the repository: a reader of a clone cannot open it");
    }
}
