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
