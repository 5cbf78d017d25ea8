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
        for (String name : new String[] {"bpf", "libbpf.so.1", "/usr/lib/x86_64-linux-gnu/libbpf.so.1", "/usr/lib64/libbpf.so.1", "/usr/lib/aarch64-linux-gnu/libbpf.so.1"}) {
            try {
                bpf = LibraryLoader.create(LibBpf.class).failImmediately().load(name);
                break;
            } catch (LinkageError | RuntimeException e) {
                last = e;
            }
        }
        if (bpf == null) {
            throw new EnvironmentException("libbpf 1.x not found (" + (last == null ? "?" : last.getMessage())
                    + "): install it with `apt-get install libbpf1` (or run ./bulwark setup)");
        }
        LibC libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
        return new Native(bpf, libc);
    }
}
