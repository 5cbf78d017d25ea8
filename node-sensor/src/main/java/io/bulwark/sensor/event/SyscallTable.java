package io.bulwark.sensor.event;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Syscall numbers and names of this architecture, generated at build time from asm/unistd_64.h. */
public final class SyscallTable {
    private static final SyscallTable INSTANCE = load();
    private final String[] names;
    private final Map<String, Integer> numbers;

    private SyscallTable(String[] names, Map<String, Integer> numbers) {
        this.names = names;
        this.numbers = numbers;
    }

    public static SyscallTable get() {
        return INSTANCE;
    }

    private static SyscallTable load() {
        String[] names = new String[1024];
        Map<String, Integer> numbers = new HashMap<>();
        try (InputStream in = SyscallTable.class.getResourceAsStream("/bpf/syscalls.tsv")) {
            if (in == null) {
                throw new IllegalStateException("bpf/syscalls.tsv missing from the classpath: the build did not run src/main/bpf/Makefile");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.split("\t");
                int nr = Integer.parseInt(f[0]);
                if (nr < names.length) {
                    names[nr] = f[1];
                }
                numbers.put(f[1], nr);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SyscallTable(names, numbers);
    }

    public String name(int nr) {
        String n = nr >= 0 && nr < names.length ? names[nr] : null;
        return n == null ? "syscall_" + nr : n;
    }

    /** The number of a syscall on this architecture, or -1 when it does not exist here. */
    public int number(String name) {
        return numbers.getOrDefault(name, -1);
    }
}
