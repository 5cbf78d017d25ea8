package io.bulwark.sensor.rules;

import io.bulwark.sensor.local.Rulesets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to load a ruleset (read, collect, expand exceptions, compile, build the engine), milliseconds per
 * load, one thread. Run with {@code BENCH=RuleLoadBench bench/rules.sh}.
 *
 * <p>{@code escape}: the built-in escape ruleset as {@code ./bulwark up} loads it. {@code falco}: Falco's
 * falco_rules.yaml. {@code falco-all}: falco_rules, falco-incubating_rules and falco-sandbox_rules in one load
 * (the compat corpus, with its unsupported and disabled rules and every warning).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class RuleLoadBench {
    @Param({"escape", "falco", "falco-all"})
    public String ruleset;

    private List<RuleLoader.Source> sources;

    @Setup
    public void setup() throws Exception {
        sources = new ArrayList<>();
        if (ruleset.equals("escape")) {
            sources.add(new RuleLoader.Source(Rulesets.BUILTIN_NAME, Rulesets.builtinText()));
        } else {
            Path dir = RuleEngineBench.corpus();
            List<String> names = ruleset.equals("falco") ? List.of("falco_rules.yaml")
                    : List.of("falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml");
            for (String n : names) {
                sources.add(new RuleLoader.Source(n, Files.readString(dir.resolve(n))));
            }
        }
        LoadResult r = load();
        if (r.hasErrors()) {
            throw new IllegalStateException("rules do not load: " + r.errors());
        }
        System.err.printf("ruleset %s: %d rules loaded, %d warnings%n", ruleset, r.engine().rules().size(), r.warnings().size());
    }

    @Benchmark
    public LoadResult load() {
        return new RuleLoader().loadSources(sources);
    }
}
