package io.bulwark.sensor.probe;

/**
 * A libbpf or kernel call that failed: what was being done, to which object (program, map,
 * file), and the errno with its meaning.
 */
public class BpfException extends RuntimeException {
    private final String op;
    private final int errno;
    private final String target;

    public BpfException(String op, int errno, String target) {
        this(op, errno, target, null);
    }

    public BpfException(String op, int errno, String target, String hint) {
        super(op + " " + target + ": " + Errno.describe(errno) + (hint == null ? "" : " — " + hint));
        this.op = op;
        this.errno = errno;
        this.target = target;
    }

    public String op() {
        return op;
    }

    public int errno() {
        return errno;
    }

    public String target() {
        return target;
    }
}
