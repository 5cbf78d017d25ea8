package io.bulwark.sensor.act;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * Signals to one process identified by pid and start time, through a pidfd: the pidfd is opened
 * first, then the start time is checked, then the signal goes through the pidfd. A pidfd names one
 * process for its whole life, so a pid recycled between the check and the signal cannot be hit
 * (pidfd_send_signal fails with ESRCH on a process that exited).
 */
public final class Processes {
    /** libc's raw syscall, for pidfd_open and pidfd_send_signal (glibc 2.36 wrappers are not everywhere). */
    public interface Sys {
        @jnr.ffi.annotations.SaveError
        long syscall(long number, long a, long b, long c, long d);

        int close(int fd);
    }

    private static volatile Sys sys;
    private static volatile Runtime runtime;

    private Processes() {}

    private static Sys sys() {
        Sys s = sys;
        if (s == null) {
            synchronized (Processes.class) {
                if (sys == null) {
                    sys = LibraryLoader.create(Sys.class).failImmediately().load("c");
                    runtime = Runtime.getRuntime(sys);
                }
                s = sys;
            }
        }
        return s;
    }

    private static long nr(String name) {
        String arch = System.getProperty("os.arch");
        if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
            throw new IllegalStateException("unsupported architecture " + arch);
        }
        // the pidfd calls have the same numbers on x86_64 and aarch64 (asm-generic)
        return switch (name) {
            case "pidfd_open" -> 434;
            case "pidfd_send_signal" -> 424;
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** Field 22 of /proc/PID/stat: the start time in clock ticks after boot; -1 when the process is gone. */
    public static long startTime(Path proc, int pid) {
        try {
            String stat = Files.readString(proc.resolve(Integer.toString(pid)).resolve("stat"));
            // comm (field 2) may contain spaces and parentheses: fields after the last ')' are fixed
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return Long.parseLong(f[19]); // field 22 is the 20th after comm's closing parenthesis (state is field 3)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    public static long startTime(int pid) {
        return startTime(Path.of("/proc"), pid);
    }

    /** What {@link #kill} did. */
    public enum KillResult { KILLED, GONE, RECYCLED }

    /**
     * SIGKILL to {@code pid} only if it is still the process that started at {@code startTime}.
     * GONE: no such process; RECYCLED: the pid now belongs to a process that started at another time
     * (nothing is signalled).
     */
    public static KillResult kill(int pid, long startTime) throws IOException {
        Sys s = sys();
        long fd = s.syscall(nr("pidfd_open"), pid, 0, 0, 0);
        if (fd < 0) {
            int errno = LastError.getLastError(runtime);
            if (errno == 3) { // ESRCH
                return KillResult.GONE;
            }
            throw new IOException("pidfd_open(" + pid + ") failed: errno " + errno);
        }
        try {
            long now = startTime(pid); // the pidfd pins the process: if this still matches, the signal reaches it
            if (now < 0) {
                return KillResult.GONE;
            }
            if (now != startTime) {
                return KillResult.RECYCLED;
            }
            long r = s.syscall(nr("pidfd_send_signal"), fd, 9, 0, 0);
            if (r < 0) {
                int errno = LastError.getLastError(runtime);
                if (errno == 3) {
                    return KillResult.GONE;
                }
                throw new IOException("pidfd_send_signal(" + pid + ", SIGKILL) failed: errno " + errno);
            }
            return KillResult.KILLED;
        } finally {
            s.close((int) fd);
        }
    }
}
