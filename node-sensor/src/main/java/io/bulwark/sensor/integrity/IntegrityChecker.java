package io.bulwark.sensor.integrity;

import io.bulwark.sensor.probe.KernelReader;
import io.bulwark.sensor.probe.Probe;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Periodic kernel integrity checks (vector kernel-rootkit-hooks): function pointer tables,
 * kernel text, BPF programs, hidden processes. {@link #baseline()} first (absolute checks, and
 * what later runs compare with), then {@link #check()} as often as wanted. One thread at a time.
 * See docs/integrity.md for what each check catches and what it cannot.
 */
public final class IntegrityChecker implements AutoCloseable {
    /** The checks, by the name used in reports and in {@code --checks}. */
    public enum Check {
        POINTERS("pointers"), TEXT("text"), BPF("bpf"), PROCESSES("processes");

        private final String id;

        Check(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static Check parse(String s) {
            for (Check c : values()) {
                if (c.id.equalsIgnoreCase(s.trim())) {
                    return c;
                }
            }
            throw new IllegalArgumentException("unknown check '" + s + "' (expected pointers, text, bpf, processes)");
        }
    }

    /**
     * Loaded at the first check and kept: libbpf parses the kernel's BTF (≈20 MB of native memory
     * for a moment) only while loading, so loading once costs less resident memory over time than
     * a load per check, which lifted RSS by ≈20 MB every period (docs/benchmarks.md).
     * Reloaded after a check that failed with it.
     */
    private KernelReader reader;
    private final Set<Check> enabled;
    private final TextCheck text;
    private final PointerCheck pointers = new PointerCheck();
    private final BpfCheck bpf = new BpfCheck();
    private final HiddenProcessCheck processes = new HiddenProcessCheck();
    private final long bootToWall = Probe.bootToWallNs();
    private boolean baselined;

    /** The symbols read by {@link #open}, used by the first run instead of reading kallsyms twice at start. */
    private KernelSymbols openedSyms;

    private IntegrityChecker(Set<Check> enabled, KernelSymbols syms) {
        this.openedSyms = syms;
        this.enabled = enabled;
        this.text = new TextCheck(syms);
    }

    /** Loads integrity.bpf.o. Throws EnvironmentException/BpfException when the kernel refuses, IOException when kallsyms hides addresses. */
    public static IntegrityChecker open(Set<Check> checks) throws IOException {
        KernelSymbols syms = KernelSymbols.load();
        KernelReader r = KernelReader.open(); // fails now, with the reason, when the kernel refuses the object
        Probe.releaseFreedNativeMemory();
        IntegrityChecker c = new IntegrityChecker(checks.isEmpty() ? EnumSet.allOf(Check.class) : EnumSet.copyOf(checks), syms);
        c.reader = r; // the first check uses it
        return c;
    }

    public static IntegrityChecker open() throws IOException {
        return open(EnumSet.allOf(Check.class));
    }

    /**
     * Owners of kernel entry hooks that are known agents on this node (patterns: {@code bpf:falco_*},
     * {@code ftrace:my_tracer}, {@code unknown}): their hooks are counted in the text check's stats
     * ({@code allowed_entry_hooks}), not reported. Bulwark's own programs are always allowed.
     */
    public IntegrityChecker allowHookOwners(java.util.Collection<String> patterns) {
        text.allowOwners(patterns);
        return this;
    }

    /** The first run: absolute checks, and the state later runs are compared with. */
    public IntegrityReport baseline() {
        IntegrityReport r = run(true);
        baselined = true;
        return r;
    }

    /** A later run: absolute checks and every difference from the baseline. */
    public IntegrityReport check() {
        if (!baselined) {
            return baseline();
        }
        return run(false);
    }

    private synchronized IntegrityReport run(boolean takeBaseline) {
        long t0 = System.nanoTime();
        try {
            if (reader == null) {
                reader = KernelReader.open();
                Probe.releaseFreedNativeMemory();
            }
        } catch (RuntimeException e) {
            Map<String, String> unavailable = new LinkedHashMap<>();
            for (Check c : enabled) {
                unavailable.put(c.id(), "integrity.bpf.o: " + e.getMessage());
            }
            return new IntegrityReport(Instant.now().toString(), takeBaseline ? "baseline" : "check", List.of(), Map.of(), unavailable,
                    (System.nanoTime() - t0) / 1_000_000);
        }
        try {
            return runWith(takeBaseline, t0);
        } catch (RuntimeException | Error e) {
            reader.close();
            reader = null;
            throw e;
        }
    }

    private IntegrityReport runWith(boolean takeBaseline, long t0) {
        List<Finding> findings = new ArrayList<>();
        Map<String, Map<String, Object>> checked = new LinkedHashMap<>();
        Map<String, String> unavailable = new LinkedHashMap<>();
        KernelSymbols syms = openedSyms;
        openedSyms = null; // later runs read kallsyms afresh (BPF programs come and go)
        try {
            if (syms == null) {
                syms = KernelSymbols.load();
            }
        } catch (IOException e) {
            for (Check c : enabled) {
                unavailable.put(c.id(), e.getMessage());
            }
            return new IntegrityReport(Instant.now().toString(), takeBaseline ? "baseline" : "check", List.of(), checked, unavailable,
                    (System.nanoTime() - t0) / 1_000_000);
        }
        text.symbols(syms);
        if (enabled.contains(Check.POINTERS)) {
            Map<String, Object> st = new LinkedHashMap<>();
            try {
                findings.addAll(pointers.run(reader, syms, takeBaseline, st));
                checked.put(Check.POINTERS.id(), st);
            } catch (RuntimeException e) {
                unavailable.put(Check.POINTERS.id(), e.getMessage());
            }
        }
        if (enabled.contains(Check.TEXT)) {
            Map<String, Object> st = new LinkedHashMap<>();
            try {
                findings.addAll(takeBaseline ? text.baseline(reader, pointers.functions(), st) : text.check(reader, pointers.functions(), st));
                checked.put(Check.TEXT.id(), st);
            } catch (RuntimeException e) {
                unavailable.put(Check.TEXT.id(), e.getMessage());
            }
        }
        if (enabled.contains(Check.BPF)) {
            Map<String, Object> st = new LinkedHashMap<>();
            try {
                findings.addAll(bpf.run(syms, takeBaseline, st, bootToWall));
                checked.put(Check.BPF.id(), st);
            } catch (RuntimeException e) {
                unavailable.put(Check.BPF.id(), e.getMessage());
            }
        }
        if (enabled.contains(Check.PROCESSES)) {
            String why = HiddenProcessCheck.unavailable();
            if (why != null) {
                unavailable.put(Check.PROCESSES.id(), why);
            } else {
                Map<String, Object> st = new LinkedHashMap<>();
                try {
                    findings.addAll(processes.run(reader, st));
                    checked.put(Check.PROCESSES.id(), st);
                } catch (RuntimeException e) {
                    unavailable.put(Check.PROCESSES.id(), e.getMessage());
                }
            }
        }
        findings.sort(Comparator.comparing(Finding::priority));
        return new IntegrityReport(Instant.now().toString(), takeBaseline ? "baseline" : "check", List.copyOf(findings), checked,
                unavailable, (System.nanoTime() - t0) / 1_000_000);
    }

    /** For tests: the text check, to feed it a changed baseline (kernel text cannot be patched here). */
    TextCheck textCheck() {
        return text;
    }

    /** The ids of the loaded reader's programs (none when it is not loaded). */
    synchronized List<Integer> readerProgramIds() {
        return reader == null ? List.of() : reader.programIds();
    }

    PointerCheck pointerCheck() {
        return pointers;
    }

    @Override
    public synchronized void close() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}
