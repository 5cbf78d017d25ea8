package io.bulwark.sensor.probe;

import jnr.ffi.Pointer;

/** The few libc functions the probe needs (libbpf's log lines, the ring buffer's mapping and wait). */
public interface LibC {
    int vsnprintf(Pointer buffer, long size, Pointer format, Pointer vaList);

    int getpid();

    int geteuid();

    int clock_gettime(int clock, Pointer timespec);

    /**
     * The raw syscall, used for mmap: libc's {@code mmap} called through jnr-ffi fails with EINVAL
     * before reaching the kernel here (measured; a six-argument call), the syscall does not.
     */
    @jnr.ffi.annotations.SaveError
    long syscall(long number, long a, long b, long c, long d, long e, long f);

    int munmap(long addr, long length);

    @jnr.ffi.annotations.SaveError
    int epoll_create1(int flags);

    @jnr.ffi.annotations.SaveError
    int epoll_ctl(int epfd, int op, int fd, Pointer event);

    @jnr.ffi.annotations.SaveError
    int epoll_wait(int epfd, Pointer events, int maxEvents, int timeoutMs);

    int close(int fd);

    long sysconf(int name);

    /** glibc: returns free heap memory to the kernel (after loading BPF objects and after checks). */
    int malloc_trim(long pad);

    /** {@code setpriority(PRIO_PROCESS, tid, nice)}: with a thread id, sets that thread's nice value (Linux). */
    @jnr.ffi.annotations.SaveError
    int setpriority(int which, int who, int prio);
}
