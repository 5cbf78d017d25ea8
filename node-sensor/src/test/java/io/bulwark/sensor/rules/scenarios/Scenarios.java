package io.bulwark.sensor.rules.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.Priority;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.rules.LoadResult;
import io.bulwark.sensor.rules.RuleEngine;
import io.bulwark.sensor.rules.RuleLoader;
import io.bulwark.sensor.rules.RuleMatch;
import io.bulwark.sensor.testing.LiveSensor;
import io.bulwark.sensor.testing.RuncContainer;
import io.bulwark.sensor.testing.TestContainers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What the escape scenarios share: the live sensor, the shipped ruleset loaded by the real loader,
 * and the attribution of events to containers.
 *
 * <p>The shared {@link LiveSensor} is started with {@link TestContainers#resolver()}, which attributes
 * nothing, so events arrive with {@code container == null}. Here each event of a test container's
 * cgroup is given the {@link ContainerInfo} the real {@link ContainerResolver} finds for that cgroup
 * id, which is what the node pipeline does, before it meets the engine.
 */
final class Scenarios {
    /** Removes a host scratch directory a test created (bind-mount sources); reports, never throws. */
    static void deleteTree(java.nio.file.Path root) {
        if (root == null || !java.nio.file.Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("cannot remove " + root + ": " + e);
        }
    }

    static final String RULES = "rules/bulwark_escape_rules.yaml";

    private static RuleEngine engine;
    private static LoadResult standardLoad;
    private static final ContainerResolver RESOLVER = new ContainerResolver();
    private static final Map<Long, java.util.Optional<ContainerInfo>> CONTAINERS = new ConcurrentHashMap<>();
    private static final Map<SensorEvent, List<Alert>> EVALUATED = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    private Scenarios() {}

    /** One rule match on one event. */
    record Alert(String rule, Priority priority, String vector, String output, SensorEvent event) {
        boolean atLeastWarning() {
            return priority.atLeast(Priority.WARNING);
        }

        @Override
        public String toString() {
            return priority + " " + vector + " [" + rule + "] " + output;
        }
    }

    static LiveSensor sensor() {
        return LiveSensor.get(TestContainers.resolver());
    }

    static String rulesText() {
        try (InputStream in = Scenarios.class.getClassLoader().getResourceAsStream(RULES)) {
            if (in == null) {
                throw new IllegalStateException(RULES + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The shipped ruleset loaded with the engine's standard fields, as the CLI loads it. */
    static synchronized LoadResult standardLoad() {
        if (standardLoad == null) {
            standardLoad = new RuleLoader().loadSources(List.of(new RuleLoader.Source(RULES, rulesText())));
        }
        return standardLoad;
    }

    /** The engine the scenarios evaluate: the shipped ruleset as the CLI loads it (no errors, nothing unsupported). */
    static synchronized RuleEngine engine() {
        if (engine == null) {
            LoadResult r = standardLoad();
            assertTrue(r.errors().isEmpty(), () -> "ruleset errors:\n" + r.errors().stream().map(p -> p.format())
                    .collect(Collectors.joining("\n")));
            assertEquals(0, r.count(io.bulwark.sensor.rules.RuleStatus.UNSUPPORTED), () -> "unsupported rules: " + r.rules());
            engine = r.engine();
        }
        return engine;
    }

    static long now() {
        return System.currentTimeMillis() * 1_000_000L;
    }

    /**
     * The container of a cgroup id: the resolver's snapshot, refreshed once on a miss (its own
     * miss-triggered refresh is rate limited, which would leave a fresh container unattributed).
     * Misses after a refresh are remembered: host cgroups.
     */
    private static synchronized ContainerInfo containerOf(long cgroupId) {
        if (CONTAINERS.containsKey(cgroupId)) {
            return CONTAINERS.get(cgroupId).orElse(null);
        }
        ContainerInfo c = RESOLVER.byCgroupId(cgroupId);
        if (c == null) {
            RESOLVER.refresh();
            c = RESOLVER.byCgroupId(cgroupId);
        }
        CONTAINERS.put(cgroupId, java.util.Optional.ofNullable(c));
        return c;
    }

    /** Rule matches on one event, with the container attributed by cgroup id (evaluated once per event). */
    static List<Alert> evaluate(SensorEvent e) {
        List<Alert> cached = EVALUATED.get(e);
        if (cached != null) {
            return cached;
        }
        SensorEvent attributed = e.container() != null ? e
                : new SensorEvent(e.time(), e.syscall(), e.process(), containerOf(e.process().cgroupId()));
        List<Alert> out = new ArrayList<>();
        for (RuleMatch m : engine().evaluate(attributed)) {
            out.add(new Alert(m.rule().name(), m.rule().priority(), m.rule().vector(), m.output(), attributed));
        }
        EVALUATED.put(e, out);
        return out;
    }

    /**
     * Runs a marker command in {@code c} ({@code bwtrigger unshare-user}, an event the sensor always
     * sends) and waits up to 10 s until its event is decoded: then everything {@code c} did before
     * it has been decoded too, and "nothing seen" means nothing sent, not "not decoded yet".
     */
    static void awaitMarker(RuncContainer c, long since) {
        c.exec("/bin/bwtrigger", "unshare-user");
        long cg = c.cgroupId();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (sensor().all(e -> e.time() >= since && e.process() != null && e.process().cgroupId() == cg
                && e.syscall().name().equals("unshare")).isEmpty() && System.nanoTime() < deadline) {
            sleep(25);
        }
    }

    /** Every alert raised by events of {@code c}'s cgroup at or after {@code since} (ns). */
    static List<Alert> alerts(RuncContainer c, long since) {
        long cg = c.cgroupId();
        List<Alert> out = new ArrayList<>();
        for (SensorEvent e : sensor().all(ev -> ev.process() != null && ev.process().cgroupId() == cg && ev.time() >= since)) {
            out.addAll(evaluate(e));
        }
        return out;
    }

    /** Alerts on any event at or after {@code since} matching {@code events}. */
    static List<Alert> alerts(Predicate<SensorEvent> events, long since) {
        List<Alert> out = new ArrayList<>();
        for (SensorEvent e : sensor().all(ev -> ev.time() >= since && events.test(ev))) {
            out.addAll(evaluate(e));
        }
        return out;
    }

    /**
     * Waits up to 5 s for an alert matching {@code p}; true when found, or when events of the
     * container did arrive since {@code since} (then there is nothing to retry: the caller judges).
     */
    private static boolean lossRetry(RuncContainer c, long since, Predicate<Alert> p) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        long cg = c.cgroupId();
        while (System.nanoTime() < deadline) {
            if (alerts(c, since).stream().anyMatch(p)) {
                return true;
            }
            sleep(25);
        }
        return !sensor().all(e -> e.process() != null && e.process().cgroupId() == cg && e.time() >= since
                && e.syscall().name().equals("execve")).isEmpty();
    }

    /** Waits up to 10 s for an alert of {@code c} matching {@code p}. */
    static Alert await(RuncContainer c, long since, String what, Predicate<Alert> p) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (Alert a : alerts(c, since)) {
                if (p.test(a)) {
                    return a;
                }
            }
            sleep(25);
        }
        fail("no alert " + what + " for " + c + " within 10 s; sensor counters " + sensor().sensor().counters()
                + "; alerts seen: " + alerts(c, since) + "\nevents: " + describeEvents(c, since));
        return null;
    }

    static String describeEvents(RuncContainer c, long since) {
        long cg = c.cgroupId();
        return sensor().all(e -> e.process() != null && e.process().cgroupId() == cg && e.time() >= since).stream()
                .map(e -> e.syscall().name() + e.syscall().args() + "=" + e.syscall().result() + " rt=" + e.process().runtimeWork()
                        + " comm=" + e.process().comm())
                .collect(Collectors.joining("\n  ", "\n  ", ""));
    }

    /**
     * Runs {@code argv} in {@code c}, waits for an alert of {@code vector} at WARNING or above on one of
     * the events the command's syscall {@code syscall} raised, then checks that every WARNING-or-above
     * alert of the container since the command carries that vector and that alert's container.
     */
    static Alert expect(RuncContainer c, String vector, String syscall, String... argv) {
        return expectAs(c, -1, vector, syscall, argv);
    }

    /** {@link #expect} with the command run as {@code uid} ({@code runc exec --user}); -1: the container's user. */
    static Alert expectAs(RuncContainer c, int uid, String vector, String syscall, String... argv) {
        long t0 = now();
        RuncContainer.ExecResult r = uid < 0 ? c.exec(argv) : execAs(c, uid, argv);
        assertEquals(0, r.exitCode(), () -> String.join(" ", argv) + ": " + r.output());
        Predicate<Alert> wanted = x -> x.atLeastWarning() && vector.equals(x.vector()) && x.event().syscall().name().equals(syscall);
        if (!lossRetry(c, t0, wanted)) {
            // nothing at all arrived from the container for this command, not even its exec: the
            // shared machine made the sensor lose events (see its counters). Once more, then judge.
            System.err.println("no event from " + c + " for " + String.join(" ", argv) + "; counters "
                    + sensor().sensor().counters() + "; retrying once");
            t0 = now();
            RuncContainer.ExecResult again = uid < 0 ? c.exec(argv) : execAs(c, uid, argv);
            assertEquals(0, again.exitCode(), () -> String.join(" ", argv) + ": " + again.output());
        }
        Alert a = await(c, t0, vector + " on " + syscall + " (" + String.join(" ", argv) + ": " + r.output().strip() + ")", wanted);
        assertAttributed(c, a);
        sleep(150); // events of the same command still in flight
        Set<String> vectors = new TreeSet<>();
        long since = t0;
        for (Alert x : alerts(c, since)) {
            if (x.atLeastWarning()) {
                vectors.add(x.vector());
                assertAttributed(c, x);
            }
        }
        assertEquals(Set.of(vector), vectors, () -> "exactly " + vector + " expected; alerts: " + alerts(c, since));
        return a;
    }

    /** The alert names the container: cgroup id of the event, container id and name in the output. */
    static void assertAttributed(RuncContainer c, Alert a) {
        assertEquals(c.cgroupId(), a.event().process().cgroupId());
        assertEquals(c.id(), a.event().container() == null ? null : a.event().container().id(), () -> "container of " + a);
        assertTrue(a.output().contains(c.id()), () -> "output names the container: " + a.output());
        // the runtime's own stages never alert (the sensor's runtime_work flag is also set on container
        // processes that merely exec a binary named "runc": those must alert, see the ruleset)
        assertTrue(!(a.event().runtimeWork() && a.event().process().comm().startsWith("runc:[")),
                () -> "runtime work must never alert: " + a);
    }

    /** Waits for the alert of the container's first exec with {@code vector}, at INFO. */
    static Alert expectStart(RuncContainer c, String vector) {
        Alert a = await(c, 0, "start " + vector, x -> vector.equals(x.vector()) && x.event().syscall().name().equals("execve"));
        assertEquals(Priority.INFORMATIONAL, a.priority(), () -> "a risky start is informational: " + a);
        assertAttributed(c, a);
        return a;
    }

    /** Every alert of the container since {@code since} at WARNING or above (after a short settle). */
    static List<Alert> warnings(RuncContainer c, long since) {
        sleep(200);
        return alerts(c, since).stream().filter(Alert::atLeastWarning).toList();
    }

    /** {@code runc exec --user uid:uid} (RuncContainer.exec runs as the container's user). */
    static RuncContainer.ExecResult execAs(RuncContainer c, int uid, String... argv) {
        List<String> cmd = new ArrayList<>(List.of("runc", "exec", "--user", uid + ":" + uid, c.id()));
        cmd.addAll(List.of(argv));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("runc exec --user did not finish");
            }
            return new RuncContainer.ExecResult(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** argv for {@code /bin/bwtrigger ACTION ARGS}. */
    static String[] bw(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "/bin/bwtrigger";
        System.arraycopy(args, 0, cmd, 1, args.length);
        return cmd;
    }

    /** argv for {@code /bin/sh -c SCRIPT}. */
    static String[] sh(String script) {
        return new String[]{"/bin/sh", "-c", script};
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
