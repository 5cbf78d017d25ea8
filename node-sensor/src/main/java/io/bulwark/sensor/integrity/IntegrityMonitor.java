package io.bulwark.sensor.integrity;

import io.bulwark.contract.AlertEnvelope;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the integrity checks inside {@code bulwark up}: the baseline once at start (its absolute
 * findings are alerted at once), then a check every period, on a thread of its own so the sensor
 * never waits for it. Alerts go to the same sinks as rule alerts. A check that cannot run is
 * said once on standard error, with the reason.
 */
public final class IntegrityMonitor implements AutoCloseable {
    private final IntegrityChecker checker;
    private final IntegrityAlerts alerts;
    private final List<Consumer<AlertEnvelope>> sinks;
    private final long periodNs;
    private final PrintStream err;
    private final Thread thread;
    private final Set<String> said = new HashSet<>();
    private volatile boolean running = true;
    private volatile IntegrityReport last;
    private volatile int runs;

    public IntegrityMonitor(IntegrityChecker checker, IntegrityAlerts alerts, List<Consumer<AlertEnvelope>> sinks, long periodNs, PrintStream err) {
        this.checker = checker;
        this.alerts = alerts;
        this.sinks = List.copyOf(sinks);
        this.periodNs = periodNs;
        this.err = err;
        this.thread = new Thread(this::loop, "bulwark-integrity");
        this.thread.setDaemon(true);
    }

    /** Takes the baseline on the calling thread (so "ready" means the baseline exists), then starts the periodic thread. */
    public IntegrityReport start() {
        IntegrityReport r = runOnce(true);
        thread.start();
        return r;
    }

    private void loop() {
        long next = System.nanoTime() + periodNs;
        while (running) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                synchronized (this) {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(this, wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                continue;
            }
            if (!running) {
                return;
            }
            runOnce(false);
            next = System.nanoTime() + periodNs;
        }
    }

    private IntegrityReport runOnce(boolean baseline) {
        IntegrityReport r;
        try {
            r = baseline ? checker.baseline() : checker.check();
        } catch (RuntimeException e) {
            say("integrity check failed: " + e);
            return null;
        } finally {
            System.gc(); // frees the check's native buffers (jnr memory is released with its Java objects)
            io.bulwark.sensor.probe.Probe.releaseFreedNativeMemory();
        }
        last = r;
        runs++;
        for (Map.Entry<String, String> u : r.unavailable().entrySet()) {
            say("integrity check '" + u.getKey() + "' cannot run: " + u.getValue());
        }
        for (AlertEnvelope a : alerts.alerts(r)) {
            for (Consumer<AlertEnvelope> s : sinks) {
                try {
                    s.accept(a);
                } catch (RuntimeException e) {
                    err.println("bulwark: alert sink failed: " + e);
                }
            }
        }
        return r;
    }

    private void say(String msg) {
        if (said.add(msg)) {
            err.println("bulwark up: " + msg);
            err.flush();
        }
    }

    public IntegrityReport last() {
        return last;
    }

    public int runs() {
        return runs;
    }

    @Override
    public void close() {
        running = false;
        synchronized (this) {
            notifyAll();
        }
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checker.close();
    }
}
