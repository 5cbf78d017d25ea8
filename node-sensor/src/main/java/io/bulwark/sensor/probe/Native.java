package io.bulwark.sensor.probe;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/** Loads libbpf and libc once. A missing libbpf is one clear message with the fix. */
final class Native {
    private static volatile Native instance;

    final LibBpf bpf;
    final LibC libc;
    final Runtime runtime;

    private Native(LibBpf bpf, LibC libc) {
        this.bpf = bpf;
        this.libc = libc;
        this.runtime = Runtime.getRuntime(bpf);
    }

    static Native get() {
        Native n = instance;
        if (n == null) {
            synchronized (Native.class) {
                n = instance;
                if (n == null) {
                    instance = n = load();
                }
            }
        }
        return n;
    }

    /**
     * The number of a syscall this package calls raw (through libc's {@code syscall}): x86_64 or
     * aarch64. An unsupported architecture is one clear message.
     */
    static long syscallNumber(String name) {
        String arch = System.getProperty("os.arch");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        if (!x86 && !arch.equals("aarch64")) {
            throw new EnvironmentException("unsupported architecture " + arch + ": the sensor runs on x86_64 and aarch64");
        }
        return switch (name) {
            case "mmap" -> x86 ? 9 : 222;
            case "gettid" -> x86 ? 186 : 178;
            default -> throw new IllegalArgumentException("no raw syscall number for " + name);
        };
    }

    int errno() {
        return LastError.getLastError(runtime);
    }

    private static Native load() {
        LibBpf bpf = null;
        Throwable last = null;
        java.util.List<String> candidates = Environment.libbpfCandidates();
        for (String name : candidates) {
            try {
                bpf = LibraryLoader.create(LibBpf.class).failImmediately().load(name);
                break;
            } catch (LinkageError | RuntimeException e) {
                last = e;
            }
        }
        if (bpf == null) {
            throw new EnvironmentException(Environment.libbpfMissing(candidates, last));
        }
        LibC libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
        return new Native(bpf, libc);
    }
}
