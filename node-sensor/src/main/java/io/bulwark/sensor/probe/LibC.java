package io.bulwark.sensor.probe;

import jnr.ffi.Pointer;

/** The few libc functions the probe needs (formatting libbpf's log lines). */
public interface LibC {
    int vsnprintf(Pointer buffer, long size, Pointer format, Pointer vaList);

    int getpid();

    int geteuid();

    int clock_gettime(int clock, Pointer timespec);
}
