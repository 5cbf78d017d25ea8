package io.bulwark.sensor.rules;

import io.bulwark.sensor.rules.fields.FieldRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads Falco rule files: {@code rule}, {@code macro}, {@code list} items with {@code append} and
 * {@code override}, {@code exceptions}, {@code required_engine_version} and
 * {@code required_plugin_versions}. Files load in order; later files append to or override earlier
 * items. Every problem is reported in one pass with file:line:col; a broken item does not stop the rest.
 *
 * <pre>
 * LoadResult r = new RuleLoader().load(List.of(Path.of("falco_rules.yaml")));
 * r.errors().forEach(p -> System.err.println(p.format()));
 * List&lt;RuleMatch&gt; m = r.engine().evaluate(event);
 * </pre>
 *
 * <p>A load runs in stages, as Falco's loader does: {@link RuleReader} (text to YAML nodes with
 * file:line:col), {@link RuleCollector} (lists, macros and rules across files: append, override,
 * enabled), {@link ExceptionExpander} (exceptions into conditions) and {@link RuleCompiler} (conditions
 * and outputs against the field registry, then the engine). {@link LoadProblems} collects what each stage
 * finds.
 */
public final class RuleLoader {

    /** A rule file's name (as reported) and text. */
    public record Source(String name, String text) {}

    private final FieldRegistry registry;

    public RuleLoader() {
        this(FieldRegistry.standard());
    }

    public RuleLoader(FieldRegistry registry) {
        this.registry = registry;
    }

    /** Loads files in order. Unreadable files are reported as errors. */
    public LoadResult load(List<Path> files) {
        List<Source> sources = new ArrayList<>();
        LoadProblems problems = new LoadProblems();
        for (Path p : files) {
            try {
                sources.add(new Source(p.toString(), Files.readString(p)));
            } catch (IOException | RuntimeException e) {
                problems.unreadable(new LoadProblem(p.toString(), 0, 0, "file", null, ProblemCode.LOAD_ERR_FILE_READ,
                        "cannot read: " + e.getMessage()));
            }
        }
        return run(sources, files.stream().map(Path::toString).toList(), problems);
    }

    /** Loads rule texts in order (names are used in problems). */
    public LoadResult loadSources(List<Source> sources) {
        return run(sources, sources.stream().map(Source::name).toList(), new LoadProblems());
    }

    private LoadResult run(List<Source> sources, List<String> names, LoadProblems problems) {
        RuleCollector collector = new RuleCollector(problems);
        for (Source s : sources) {
            RuleReader.read(s, problems, collector);
        }
        return new RuleCompiler(registry, collector, problems).compile(names);
    }
}
