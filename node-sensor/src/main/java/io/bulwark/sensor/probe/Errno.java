package io.bulwark.sensor.probe;

import java.util.Map;

/** errno numbers (x86_64 Linux) to their names and meanings. */
public final class Errno {
    private static final Map<Integer, String[]> NAMES = Map.ofEntries(
            Map.entry(1, new String[] {"EPERM", "operation not permitted"}),
            Map.entry(2, new String[] {"ENOENT", "no such file or directory"}),
            Map.entry(3, new String[] {"ESRCH", "no such process"}),
            Map.entry(4, new String[] {"EINTR", "interrupted system call"}),
            Map.entry(5, new String[] {"EIO", "input/output error"}),
            Map.entry(6, new String[] {"ENXIO", "no such device or address"}),
            Map.entry(7, new String[] {"E2BIG", "argument list too long"}),
            Map.entry(8, new String[] {"ENOEXEC", "exec format error"}),
            Map.entry(9, new String[] {"EBADF", "bad file descriptor"}),
            Map.entry(10, new String[] {"ECHILD", "no child processes"}),
            Map.entry(11, new String[] {"EAGAIN", "resource temporarily unavailable"}),
            Map.entry(12, new String[] {"ENOMEM", "cannot allocate memory"}),
            Map.entry(13, new String[] {"EACCES", "permission denied"}),
            Map.entry(14, new String[] {"EFAULT", "bad address"}),
            Map.entry(16, new String[] {"EBUSY", "device or resource busy"}),
            Map.entry(17, new String[] {"EEXIST", "file exists"}),
            Map.entry(18, new String[] {"EXDEV", "invalid cross-device link"}),
            Map.entry(19, new String[] {"ENODEV", "no such device"}),
            Map.entry(20, new String[] {"ENOTDIR", "not a directory"}),
            Map.entry(21, new String[] {"EISDIR", "is a directory"}),
            Map.entry(22, new String[] {"EINVAL", "invalid argument"}),
            Map.entry(23, new String[] {"ENFILE", "too many open files in system"}),
            Map.entry(24, new String[] {"EMFILE", "too many open files"}),
            Map.entry(25, new String[] {"ENOTTY", "inappropriate ioctl for device"}),
            Map.entry(26, new String[] {"ETXTBSY", "text file busy"}),
            Map.entry(27, new String[] {"EFBIG", "file too large"}),
            Map.entry(28, new String[] {"ENOSPC", "no space left on device"}),
            Map.entry(29, new String[] {"ESPIPE", "illegal seek"}),
            Map.entry(30, new String[] {"EROFS", "read-only file system"}),
            Map.entry(36, new String[] {"ENAMETOOLONG", "file name too long"}),
            Map.entry(38, new String[] {"ENOSYS", "function not implemented"}),
            Map.entry(39, new String[] {"ENOTEMPTY", "directory not empty"}),
            Map.entry(40, new String[] {"ELOOP", "too many levels of symbolic links"}),
            Map.entry(88, new String[] {"ENOTSOCK", "socket operation on non-socket"}),
            Map.entry(95, new String[] {"EOPNOTSUPP", "operation not supported"}),
            Map.entry(97, new String[] {"EAFNOSUPPORT", "address family not supported"}),
            Map.entry(98, new String[] {"EADDRINUSE", "address already in use"}),
            Map.entry(104, new String[] {"ECONNRESET", "connection reset by peer"}),
            Map.entry(110, new String[] {"ETIMEDOUT", "connection timed out"}),
            Map.entry(111, new String[] {"ECONNREFUSED", "connection refused"}),
            Map.entry(115, new String[] {"EINPROGRESS", "operation now in progress"}),
            Map.entry(524, new String[] {"ENOTSUPP", "operation not supported (kernel internal)"}));

    private Errno() {}

    /** The symbolic name ({@code EPERM}), or {@code E<n>} when unknown. */
    public static String name(int errno) {
        String[] n = NAMES.get(Math.abs(errno));
        return n == null ? "E" + Math.abs(errno) : n[0];
    }

    /** {@code EPERM (1): operation not permitted}. */
    public static String describe(int errno) {
        int e = Math.abs(errno);
        String[] n = NAMES.get(e);
        return n == null ? "errno " + e : n[0] + " (" + e + "): " + n[1];
    }
}
