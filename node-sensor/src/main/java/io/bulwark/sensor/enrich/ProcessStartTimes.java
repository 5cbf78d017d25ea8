package io.bulwark.sensor.enrich;

import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.SensorEvent;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The start time a kill names a process by ({@code detail.process.start_time}, field 22 of /proc/PID/stat),
 * read when an alert is made rather than for every new process on the decoder's path: a process the table
 * knew from its /proc scan already carries it; a container process seen first later gets it here, once per
 * alert. A process that started after the event holds a recycled pid: it is not named.
 */
public final class ProcessStartTimes {
    private static volatile long bootToWallNs = Long.MIN_VALUE;

    private ProcessStartTimes() {}

    /** The event's process with its start time filled in when it was unknown and the event is a container's. */
    public static ProcessInfo atAlert(SensorEvent e) {
        ProcessInfo p = e.process();
        if (p == null || p.startTime() != null || e.container() == null) {
            return p;
        }
        return atAlert(e, Path.of("/proc"), bootToWallNs());
    }

    /**
     * @param bootToWallNs the offset the decoder added to the kernel's CLOCK_BOOTTIME stamp to make {@code e.time()}
     */
    static ProcessInfo atAlert(SensorEvent e, Path proc, long bootToWallNs) {
        ProcessInfo p = e.process();
        if (p == null || p.startTime() != null || e.container() == null) {
            return p;
        }
        long ticks = ProcessTable.readStartTicks(proc, p.pid());
        if (ticks < 0 || ticks * ProcessTable.NS_PER_TICK + bootToWallNs > e.time()) {
            return p; // gone, or started after the event: the pid was recycled
        }
        return new ProcessInfo(p.pid(), p.tid(), p.ppid(), p.vpid(), p.uid(), p.gid(), p.loginuid(), p.comm(), p.exe(), p.args(),
                p.cmdline(), p.tty(), p.cgroupId(), p.ns(), p.capEffective(), p.capPermitted(), p.exeUpperLayer(), p.runtimeWork(),
                p.ancestors(), ticks);
    }

    /** Offset from CLOCK_BOOTTIME to the Unix epoch, as the sensor's decoder uses it (measured once). */
    static long bootToWallNs() {
        long v = bootToWallNs;
        if (v == Long.MIN_VALUE) {
            try {
                v = io.bulwark.sensor.probe.Probe.bootToWallNs();
            } catch (RuntimeException | LinkageError e) {
                v = uptimeToWallNs(); // no libc through jnr here: 10 ms precision, as a tick
            }
            bootToWallNs = v;
        }
        return v;
    }

    private static long uptimeToWallNs() {
        try {
            String up = Files.readString(Path.of("/proc/uptime")).split(" ")[0];
            return System.currentTimeMillis() * 1_000_000L - (long) (Double.parseDouble(up) * 1e9);
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }
}
