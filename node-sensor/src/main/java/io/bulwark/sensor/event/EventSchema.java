package io.bulwark.sensor.event;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.probe.RawEvent;

/**
 * The one table of the events the sensor sends and the arguments each carries ({@code syscall.args},
 * a rule's {@code evt.arg.NAME}), in the order they are put in the event (so {@code evt.arg[N]}
 * follows it). Each row says an argument's JSON type, where it comes from in {@code struct bw_event}
 * ({@code args[n]}, {@code aux[n]}, a string slot {@code str0..str2}, a flag bit, or {@code decode}:
 * worked out in user space) and how it is read: {@link RecordDecoder} decodes a record by walking its
 * event's rows, so an argument is added by adding its row. Falco's driver keeps the same kind of table
 * (its event table).
 * <p>
 * Three things the table marks for the stages after the pure decoder ({@link Enricher}): a path
 * name the kernel did not place ({@link Arg#relativeTo}: made absolute through /proc), and per event an
 * {@link Enrich} step for the arguments that only the live system can tell (a setns target, the two
 * entries of a RENAME_EXCHANGE, a runtime's process file).
 * <p>
 * Used by: the decoder; the rule loader (an {@code evt.arg.X} that no event type of the rule's condition
 * carries is an error); docs/events.md (its generated section is this table; EventSchemaTest fails when
 * they differ); EventSchemaTest (the decoder sends only these names; the watched syscalls are those of the
 * table; the BPF header's ops, flags and counters match their Java mirrors).
 */
public final class EventSchema {

    /** Reads one argument from a raw record: no /proc, no state. {@link #ABSENT} leaves it out of the event. */
    @FunctionalInterface
    public interface Read {
        Object read(RawEvent r);
    }

    /** What a {@link Read} returns for an argument this record does not carry (a flag not set, another variant). */
    public static final Object ABSENT = new Object() {
        @Override
        public String toString() {
            return "ABSENT";
        }
    };

    /** Work on an event's arguments that needs the live system (/proc), done by {@link Enricher}. */
    public enum Enrich {
        NONE,
        /** setns: the host's namespace or not; for a pidfd, the target process (its mount namespace, name, container). */
        SETNS_TARGET,
        /** renameat2 with RENAME_EXCHANGE: the kinds of the two swapped entries, looked at through /proc/TID/root. */
        RENAME_EXCHANGE,
        /** execve of runc/crun on the host: the process file of {@code exec --process FILE} and its cwd. */
        RUNTIME_PROCESS,
        /** A container's successful chroot: whether the new root is the host's root directory (device and inode). */
        CHROOT_ROOT
    }

    /**
     * One argument: its name, JSON type, source in the raw event (for the docs), how it is read, and for a
     * path name that may still be relative after the read, the directory descriptor it is relative to
     * ({@code relativeTo}, null otherwise: {@link #AT_FDCWD} or the call's dirfd). {@code when}, if not null, is
     * the condition of the group of arguments it belongs to: when it does not hold, the whole group is absent (the
     * decoder skips it without reading it).
     */
    public record Arg(String name, String type, String source, Read read, Read relativeTo, Guard when, Kind kind, int index,
                      java.util.function.LongFunction<Object> conv) {
        public Arg(String name, String type, String source, Read read, Read relativeTo) {
            this(name, type, source, read, relativeTo, null, Kind.READ, 0, null);
        }

        Arg when(Guard g) {
            return new Arg(name, type, source, read, relativeTo, g, kind, index, conv);
        }
    }

    /**
     * How the decoder reads a row without calling its {@link Arg#read} (the common sources, one switch):
     * {@code args[index]} (64 bits, or its low half for ARG_I32), {@code aux[index]}, a string slot, a flag bit
     * ({@code index}: the bit; FLAG_SET: present only when set), each through {@code conv} when there is one;
     * READ: the row's own reader.
     */
    public enum Kind { ARG, ARG_I32, AUX, STR0, STR1, STR2, FLAG, FLAG_SET, READ }

    /**
     * The condition of a group of rows: all of {@code flags} set (in {@link RawEvent#flags()}) and, if not null,
     * {@code test}. When it does not hold, the group is absent and the decoder reads none of it.
     */
    public record Guard(int flags, java.util.function.Predicate<RawEvent> test) {
        public boolean holds(RawEvent r) {
            return (r.flags() & flags) == flags && (test == null || test.test(r));
        }

        Guard and(Guard o) {
            if (o == null) {
                return this;
            }
            java.util.function.Predicate<RawEvent> t = test == null ? o.test : o.test == null ? test : test.and(o.test);
            return new Guard(flags | o.flags, t);
        }
    }

    /** One event type (its {@code evt.type} names share the arguments) with its arguments in decode order. */
    public record Event(List<String> types, List<Arg> args, Enrich enrich, Arg[] placedThroughProc) {
        public Event(List<String> types, List<Arg> args, Enrich enrich) {
            this(types, List.copyOf(args), enrich, args.stream().filter(a -> a.relativeTo() != null).toArray(Arg[]::new));
        }

        public Set<String> argNames() {
            Set<String> s = new LinkedHashSet<>();
            args.forEach(a -> s.add(a.name()));
            return s;
        }
    }

    /** The kernel's thread daemon: the parent of every usermode helper the kernel starts without waiting. */
    public static final int KTHREADD = 2;

    /** dirfd of the calls without one: relative to the working directory. */
    public static final int AT_FDCWD = -100;
    private static final long RENAME_EXCHANGE = 2;
    private static final int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10;

    /** A source: its text in the docs, its reader, and its kind for the decoder's fast path. */
    private record Src(String text, Read read, Kind kind, int index, java.util.function.LongFunction<Object> conv) {
        Src(String text, Read read) {
            this(text, read, Kind.READ, 0, null);
        }

        /** Only when {@code p} holds (its {@code label} in the docs); absent otherwise. */
        Src when(String label, java.util.function.Predicate<RawEvent> p) {
            Read in = read;
            return new Src(text + " (" + label + ")", r -> p.test(r) ? in.read(r) : ABSENT);
        }
    }

    private static Src args(int i) {
        return new Src("args[" + i + "]", r -> r.args()[i], Kind.ARG, i, null);
    }

    /** A 32-bit argument (an fd, a pid, an id): the register's low half. */
    private static Src i32(int i) {
        return new Src("args[" + i + "]", r -> (int) r.args()[i], Kind.ARG_I32, i, null);
    }

    private static Src args(int i, java.util.function.LongFunction<Object> f) {
        return new Src("args[" + i + "]", r -> f.apply(r.args()[i]), Kind.ARG, i, f);
    }

    private static Src aux(int i) {
        return new Src("aux[" + i + "]", r -> r.aux()[i], Kind.AUX, i, null);
    }

    private static Src aux(int i, java.util.function.LongFunction<Object> f) {
        return new Src("aux[" + i + "]", r -> f.apply(r.aux()[i]), Kind.AUX, i, f);
    }

    private static Src str(int slot) {
        return switch (slot) {
            case 0 -> new Src("str0", RawEvent::s0, Kind.STR0, 0, null);
            case 1 -> new Src("str1", RawEvent::s1, Kind.STR1, 1, null);
            default -> new Src("str2", RawEvent::s2, Kind.STR2, 2, null);
        };
    }

    /** A bit of {@code flags} (F_*) or of {@code flags2} (F2_*, kept above the flags byte in {@link RawEvent#flags()}). */
    private static Src flag(String name, int bit) {
        String field = name.startsWith("F2_") ? "flags2 " : "flags ";
        return new Src(field + name, r -> (r.flags() & bit) != 0, Kind.FLAG, bit, null);
    }

    /** Present (true) only when the flag is set. */
    private static Src flagSet(String name, int bit) {
        String field = name.startsWith("F2_") ? "flags2 " : "flags ";
        return new Src(field + name, r -> (r.flags() & bit) != 0 ? Boolean.TRUE : ABSENT, Kind.FLAG_SET, bit, null);
    }

    /** A bit of {@code aux[i]}, as a bool. */
    private static Src auxBit(int i, String name, long bit) {
        java.util.function.LongFunction<Object> f = v -> (v & bit) != 0;
        return new Src("aux[" + i + "] " + name, r -> f.apply(r.aux()[i]), Kind.AUX, i, f);
    }

    /** The same source under another name in the docs (its condition). */
    private static Src labelled(Src s, String label) {
        return new Src(s.text() + " (" + label + ")", s.read(), s.kind(), s.index(), s.conv());
    }

    private static Src decode(String note, Read read) {
        return new Src(note == null ? "decode" : "decode (" + note + ")", read);
    }

    private static Src constant(String text, Object value) {
        return new Src(text, r -> value);
    }

    private static Arg a(String name, String type, Src src) {
        return new Arg(name, type, src.text(), src.read(), null, null, src.kind(), src.index(), src.conv());
    }

    /** A path name made absolute by the decoder when the kernel named its directory, else through /proc against {@code dirfd}. */
    private static Arg pathName(String name, String note, Read read, Read dirfd) {
        return new Arg(name, "string", "decode (" + note + ")", read, dirfd);
    }

    /** The rows of {@code args}, a group present only when {@code p} holds (and each row's own condition). */
    private static List<Arg> only(java.util.function.Predicate<RawEvent> p, List<Arg> args) {
        return only(new Guard(0, p), args);
    }

    /** The rows of {@code args}, a group present only when all of {@code flags} are set. */
    private static List<Arg> onlyFlags(int flags, List<Arg> args) {
        return only(new Guard(flags, null), args);
    }

    private static List<Arg> only(Guard g, List<Arg> args) {
        List<Arg> out = new ArrayList<>();
        for (Arg x : args) {
            out.add(x.when(g.and(x.when())));
        }
        return out;
    }

    private static final Read CWD = r -> AT_FDCWD;

    /** Arguments any event of a container process may carry (the process stage's credential baseline). */
    public static final List<Arg> ANY_EVENT = List.of(
            new Arg("cred_unexplained", "list", "decode", r -> ABSENT, null));
    /** Arguments of a syscall event made through the 32-bit door (absent on ordinary 64-bit calls); added after the syscall's own. */
    public static final List<Arg> COMPAT = onlyFlags(RawEvent.F_COMPAT, List.of(
            a("compat", "bool", flagSet("F_COMPAT", RawEvent.F_COMPAT)),
            a("compat_64bit_code", "bool", flag("F_COMPAT64", RawEvent.F_COMPAT64)),
            a("socketcall", "bool", flagSet("F_SOCKETCALL", RawEvent.F_SOCKETCALL))));
    /** Names every rule may use whatever the event: they fall back to {@code syscall.result} (FieldRegistry). */
    public static final Set<String> RESULT_ALIASES = Set.of("res", "res_or_fd");

    // ---- readers shared by several rows (pure: the record only) ----

    /** The directory the kernel named at the call for the relative {@code path} ({@code slot}, with OPEN_DIR in aux[1]), or null. */
    static String kernelDir(RawEvent r, String path, String slot) {
        boolean relative = !path.isEmpty() && path.charAt(0) != '/';
        return relative && (r.aux()[1] & RawEvent.OPEN_DIR) != 0 && slot.startsWith("/") ? slot : null;
    }

    /**
     * {@code path} made absolute against the directory the kernel named at the call ({@code slot}) when it did,
     * so that a one-shot {@code mv} or {@code ln} gone before the event is decoded is still placed; else
     * {@code path} as given (a relative one is then placed by the enrichment stage, through /proc).
     */
    static String entryName(RawEvent r, String path, String slot) {
        if (path.isEmpty() || path.charAt(0) == '/') {
            return path;
        }
        String dir = kernelDir(r, path, slot);
        return dir == null ? path : against(dir, path);
    }

    /** The directory of an open's relative path as the kernel named it (str1 names the fd's file instead with F_PROC_FD), or null. */
    static String openDir(RawEvent r) {
        if ((r.flags() & RawEvent.F_PROC_FD) != 0 || (r.aux()[1] & RawEvent.OPEN_DIR) == 0) {
            return null; // checked first: most opens decode no string here
        }
        return kernelDir(r, r.s0(), r.s1());
    }

    private static final Read OPEN_DIR = r -> {
        String d = openDir(r);
        return d == null ? ABSENT : d;
    };
    private static final Read OPEN_NAME = r -> {
        String d = openDir(r);
        return d == null ? r.s0() : against(d, r.s0());
    };

    /** {@code path} (relative) against the directory {@code dir}; {@code path} as given when the two make no valid path here. */
    private static String against(String dir, String path) {
        try {
            return java.nio.file.Path.of(dir).resolve(path).normalize().toString();
        } catch (RuntimeException e) {
            return path; // an unusual name (NUL-free, but not a valid path here): left to /proc
        }
    }

    private static boolean procFd(RawEvent r) {
        return (r.flags() & RawEvent.F_PROC_FD) != 0;
    }

    /** An open of /proc/self/fd/N (or the opener's own pid) that the kernel resolved: the file behind descriptor N. */
    private static final List<Arg> OPEN_FD_TARGET = onlyFlags(RawEvent.F_PROC_FD, List.of(
            a("fd_target", "string", labelled(str(1), "F_PROC_FD")),
            a("fd_target_type", "string", labelled(aux(1, v -> Flags.fileType((int) v)), "F_PROC_FD")),
            a("fd_target_exec", "bool", labelled(aux(1, v -> ((int) v & 0111) != 0), "F_PROC_FD")),
            a("fd_target_foreign_mnt", "bool", auxBit(1, "FD_FOREIGN_MNT", RawEvent.FD_FOREIGN_MNT)),
            a("fd_target_procfs", "bool", auxBit(1, "FD_PROCFS", RawEvent.FD_PROCFS)),
            a("fd_target_other_process", "bool", auxBit(1, "FD_OTHER_PROC", RawEvent.FD_OTHER_PROC))));

    private static boolean fileKernel(RawEvent r) {
        return (r.flags() & RawEvent.F2_FILE_KERNEL) != 0;
    }

    private static boolean fileForeign(RawEvent r) {
        return (r.flags() & RawEvent.F2_FILE_FOREIGN) != 0;
    }

    /** Whether the name the caller gave ({@code str0}) ends otherwise than the kernel interface file it opened (a symlink, a bind mount, a reopened fd). */
    private static boolean redirected(RawEvent r) {
        String given = r.s0();
        while (given.endsWith("/") && given.length() > 1) {
            given = given.substring(0, given.length() - 1);
        }
        return !given.substring(given.lastIndexOf('/') + 1).equals(r.s2());
    }

    /**
     * A write open the kernel sent because of what it opened: a relative name under a directory of another mount
     * namespace; a kernel interface watched by name (core_pattern, release_agent, sysrq-trigger …) on a kernel
     * pseudo-filesystem, whatever name led there; a file on a mount of another mount namespace (a host file reached
     * through a leaked directory, a procfs mounted elsewhere, /proc/N/root …).
     */
    private static final List<Arg> OPEN_FOREIGN = join(
            List.of(a("dir_foreign_mnt", "bool", flagSet("F2_DIR_FOREIGN", RawEvent.F2_DIR_FOREIGN))),
            onlyFlags(RawEvent.F2_FILE_KERNEL, List.of(
                    a("kernel_file", "string", labelled(str(2), "F2_FILE_KERNEL")),
                    a("kernel_fs", "string", labelled(args(5, Flags::pseudoFs), "F2_FILE_KERNEL")),
                    a("redirected", "bool", decode("F2_FILE_KERNEL", EventSchema::redirected)))),
            onlyFlags(RawEvent.F2_FILE_FOREIGN, List.of(
                    a("file_foreign_mnt", "bool", flag("F2_FILE_FOREIGN", RawEvent.F2_FILE_FOREIGN)),
                    a("file_name", "string", labelled(str(1), "F2_FILE_FOREIGN")),
                    a("file_type", "string", labelled(aux(1, v -> Flags.fileType((int) v)), "F2_FILE_FOREIGN")),
                    a("file_exec", "bool", labelled(aux(1, v -> ((int) v & 0111) != 0), "F2_FILE_FOREIGN")))));

    private static List<Arg> open(Src dirfd, Read dirfdValue, Src flags, Src mode) {
        List<Arg> l = new ArrayList<>();
        if (dirfd != null) {
            l.add(a("dirfd", "int", dirfd));
        }
        l.add(a("path", "string", str(0)));
        l.add(a("dir", "string", new Src("str1 (OPEN_DIR)", OPEN_DIR)));
        l.add(pathName("name", "str1 OPEN_DIR, else /proc", OPEN_NAME, dirfdValue));
        l.add(a("flags", "flags", flags));
        if (mode != null) {
            l.add(a("mode", "int", mode));
        }
        return join(l, OPEN_FD_TARGET, OPEN_FOREIGN);
    }

    private static int family(RawEvent r) {
        return (int) r.aux()[0];
    }

    private static boolean inet(RawEvent r) {
        int f = family(r);
        return f == AF_INET || f == AF_INET6;
    }

    /** An AF_UNIX address: {@code @name} for an abstract one. */
    private static String unixPath(RawEvent r) {
        byte[] p = r.str0();
        return p.length > 1 && p[0] == 0 && p[1] != 0 ? "@" + RawEvent.cstring(p, 1, 107) : RawEvent.cstring(p, 0, 108);
    }

    private static String inetAddr(RawEvent r) {
        byte[] raw = java.util.Arrays.copyOf(r.str1(), family(r) == AF_INET ? 4 : 16);
        try {
            return java.net.InetAddress.getByAddress(raw).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    /** A socket address (connect, io_uring CONNECT): family in aux[0], the path or address in the string slots. */
    private static final List<Arg> SOCKADDR = List.of(
            a("family", "string", aux(0, v -> Flags.family((int) v))),
            a("path", "string", new Src("str0 (AF_UNIX)", r -> family(r) == AF_UNIX ? unixPath(r) : ABSENT)),
            a("name", "string", new Src("str0 (AF_UNIX)", r -> family(r) == AF_UNIX ? unixPath(r) : ABSENT)),
            a("addr", "string", new Src("str1 (AF_INET, AF_INET6)", r -> inet(r) ? inetAddr(r) : ABSENT)),
            a("port", "int", aux(1, v -> (int) v).when("AF_INET, AF_INET6", EventSchema::inet)));

    private static final byte[] PIDFD = {'p', 'i', 'd', 'f', 'd', 0};

    /** setns of a pidfd (the kernel names the fd "pidfd" in str0 and leaves aux[0] 0): compared as bytes, no string made. */
    private static boolean pidfd(RawEvent r) {
        byte[] s = r.str0();
        return r.aux()[0] == 0 && s.length >= PIDFD.length && java.util.Arrays.equals(s, 0, PIDFD.length, PIDFD, 0, PIDFD.length);
    }

    private static boolean ioConnect(RawEvent r) {
        return r.nr() == 16; // IORING_OP_CONNECT (Flags.ioUringOp)
    }

    private static boolean exchange(RawEvent r) {
        return (r.args()[4] & RENAME_EXCHANGE) != 0;
    }

    private static int execMode(RawEvent r) {
        return (int) r.args()[2];
    }

    /** Capabilities asked for that the caller did not hold (its creds were read at entry), or absent. */
    private static Object capAdded(RawEvent r) {
        long added = (r.aux()[0] & ~r.capEff()) | (r.aux()[1] & ~r.capPrm());
        return added != 0 ? io.bulwark.contract.Capabilities.names(added) : ABSENT;
    }

    private static final Read ARG0 = r -> (int) r.args()[0];
    private static final Read ARG1 = r -> (int) r.args()[1];
    private static final Read ARG2 = r -> (int) r.args()[2];

    /** link, linkat, rename, renameat(2): the kernel named the new entry's directory (str2); the old one's is the same when both are relative to one directory. */
    private static List<Arg> link(Read olddirfd, String oldAt, Read newdirfd, String newAt) {
        return List.of(a("oldpath", "string", str(0)), a("newpath", "string", str(1)),
                pathName("oldname", "str2 OPEN_DIR when both dirs are one, else /proc" + oldAt, r -> entryName(r, r.s0(),
                        olddirfd.read(r).equals(newdirfd.read(r)) ? r.s2() : ""), olddirfd),
                pathName("newname", "str2 OPEN_DIR, else /proc" + newAt, r -> entryName(r, r.s1(), r.s2()), newdirfd));
    }

    private static final List<Event> EVENTS = List.of(
            ev(List.of("open"), open(null, CWD, args(1, Flags::open), args(2))),
            ev(List.of("creat"), open(null, CWD, constant("always O_WRONLY, O_CREAT, O_TRUNC", Flags.open(01 | 0100 | 01000)), args(1))),
            ev(List.of("openat"), open(i32(0), ARG0, args(2, Flags::open), args(3))),
            ev(List.of("openat2"), open(i32(0), ARG0, aux(0, Flags::open), null)),
            ev(List.of("connect"), join(List.of(a("fd", "int", i32(0))), SOCKADDR)),
            ev(List.of("socket"), List.of(a("domain", "string", args(0, Flags::family)), a("type", "string", args(1, Flags::socketType)),
                    a("protocol", "int", args(2)))),
            new Event(List.of("setns"), join(List.of(a("fd", "int", i32(0)), a("nstype", "flags", args(1, Flags::clone)),
                    a("ns_type", "string", new Src("str0", r -> r.aux()[0] != 0 ? r.s0() : null)),
                    a("ns_inum", "int", aux(0))), only(EventSchema::pidfd, List.of(
                    a("target_pid", "int", labelled(aux(1, v -> (int) v), "pidfd")),
                    a("target_other_mnt_ns", "bool", decode("pidfd, /proc", r -> Boolean.FALSE)),
                    a("target_comm", "string", decode("pidfd, /proc", r -> null)),
                    a("target_container", "string", decode("pidfd, /proc", r -> null)),
                    a("target_container_name", "string", decode("pidfd, /proc", r -> null)))),
                    List.of(a("ns_host", "bool", decode("host namespaces, /proc", r -> Boolean.FALSE)),
                    a("fd_name", "string", new Src("str0", r -> r.aux()[0] != 0 ? null : r.s0())))), Enrich.SETNS_TARGET),
            ev(List.of("unshare", "clone"), List.of(a("flags", "flags", args(0, Flags::clone)))),
            ev(List.of("clone3"), List.of(a("flags", "flags", aux(0, Flags::clone)))),
            ev(List.of("mount"), List.of(a("source", "string", str(0)), a("target", "string", str(1)), a("fstype", "string", str(2)),
                    a("flags", "flags", args(3, Flags::mount)))),
            ev(List.of("fsopen"), List.of(a("fsname", "string", str(2)), a("flags", "int", args(1)))),
            ev(List.of("fsconfig"), List.of(a("fd", "int", i32(0)), a("cmd", "int", args(1)), a("key", "string", str(2)),
                    a("value", "string", str(0)))),
            ev(List.of("fsmount"), List.of(a("fd", "int", i32(0)), a("flags", "int", args(1)))),
            ev(List.of("move_mount"), List.of(a("from_path", "string", str(0)), a("to_path", "string", str(1)), a("flags", "int", args(4)))),
            ev(List.of("open_tree"), List.of(a("path", "string", str(0)), a("flags", "int", args(2)))),
            // the kernel sets F2_ROOT_FOREIGN at a container's successful chroot into a root of another mount namespace
            new Event(List.of("chroot"), List.of(a("path", "string", str(0)), a("root_foreign_mnt", "bool", flag("F2_ROOT_FOREIGN", RawEvent.F2_ROOT_FOREIGN)),
                    // whatever the path: the new root is the node's own root directory (a volume of the host's / anywhere)
                    a("root_host", "bool", decode("a container's successful chroot, /proc: the new root has the device and inode"
                            + " of the host's root", r -> Boolean.FALSE))), Enrich.CHROOT_ROOT),
            ev(List.of("pivot_root"), List.of(a("new_root", "string", str(0)), a("put_old", "string", str(1)))),
            ev(List.of("ptrace"), List.of(a("request", "string", args(0, Flags::ptraceRequest)), a("pid", "int", i32(1)))),
            ev(List.of("process_vm_writev"), List.of(a("pid", "int", i32(0)))),
            ev(List.of("bpf"), List.of(a("cmd", "string", args(0, Flags::bpfCmd)))),
            ev(List.of("init_module"), List.of(a("len", "int", args(1)))),
            ev(List.of("finit_module"), List.of(a("fd", "int", i32(0)), a("flags", "int", args(2)))),
            ev(List.of("delete_module"), List.of(a("name", "string", str(0)))),
            ev(List.of("userfaultfd"), List.of(a("flags", "flags", args(0, Flags::userfaultfd)))),
            ev(List.of("memfd_create"), List.of(a("name", "string", str(0)), a("flags", "int", args(1)))),
            ev(List.of("open_by_handle_at"), List.of(a("mountdirfd", "int", i32(0)), a("flags", "flags", args(2, Flags::open)))),
            ev(List.of("name_to_handle_at"), List.of(a("path", "string", str(0)))),
            ev(List.of("mknod"), List.of(a("path", "string", str(0)), a("name", "string", str(0)),
                    a("mode", "string", args(1, Flags::mknodMode)), a("dev", "string", args(2, Flags::dev)))),
            ev(List.of("mknodat"), List.of(a("path", "string", str(0)), a("name", "string", str(0)),
                    a("mode", "string", args(2, Flags::mknodMode)), a("dev", "string", args(3, Flags::dev)))),
            ev(List.of("symlink"), List.of(a("target", "string", str(0)), a("linkpath", "string", str(1)),
                    pathName("linkname", "str2 OPEN_DIR, else /proc", r -> entryName(r, r.s1(), r.s2()), CWD))),
            ev(List.of("symlinkat"), List.of(a("target", "string", str(0)), a("linkpath", "string", str(1)),
                    pathName("linkname", "str2 OPEN_DIR, else /proc against args[1]", r -> entryName(r, r.s1(), r.s2()), ARG1))),
            ev(List.of("link", "rename"), link(CWD, "", CWD, "")),
            ev(List.of("linkat", "renameat"), link(ARG0, " against args[0]", ARG2, " against args[2]")),
            new Event(List.of("renameat2"), join(link(ARG0, " against args[0]", ARG2, " against args[2]"), List.of(a("flags", "flags", args(4, Flags::rename)),
                    a("exchange_types", "string", decode("RENAME_EXCHANGE, /proc", r -> exchange(r) ? null : ABSENT)),
                    a("exchange_symlink_dir", "bool", decode("RENAME_EXCHANGE, /proc", r -> exchange(r) ? Boolean.FALSE : ABSENT)))),
                    Enrich.RENAME_EXCHANGE),
            ev(List.of("unlink"), List.of(a("path", "string", str(0)),
                    pathName("name", "str1 OPEN_DIR, else /proc", r -> entryName(r, r.s0(), r.s1()), CWD))),
            ev(List.of("unlinkat"), List.of(a("path", "string", str(0)),
                    pathName("name", "str1 OPEN_DIR, else /proc against args[0]", r -> entryName(r, r.s0(), r.s1()), ARG0))),
            // chdir, fchdir: sent only when the working directory (or the descriptor) is in another mount namespace
            ev(List.of("chdir"), List.of(a("path", "string", str(0)), a("cwd_foreign_mnt", "bool", aux(1, v -> v != 0)),
                    a("cwd_name", "string", str(1)))),
            ev(List.of("fchdir"), List.of(a("fd", "int", i32(0)), a("fd_foreign_mnt", "bool", aux(0, v -> v != 0)),
                    a("cwd_foreign_mnt", "bool", aux(1, v -> v != 0)), a("cwd_name", "string", str(1)))),
            ev(List.of("dup2", "dup3"), List.of(a("oldfd", "int", i32(0)), a("newfd", "int", i32(1)),
                    a("oldfd_type", "string", aux(0, Flags::fileType)))),
            ev(List.of("splice"), List.of(a("fd_in", "int", i32(0)), a("fd_out", "int", i32(2)), a("len", "int", args(4)),
                    a("flags", "int", args(5)), a("in_type", "string", aux(0, Flags::fileType)), a("out_type", "string", aux(1, Flags::fileType)))),
            ev(List.of("setuid", "setfsuid"), List.of(a("uid", "int", i32(0)))),
            ev(List.of("setgid", "setfsgid"), List.of(a("gid", "int", i32(0)))),
            ev(List.of("setreuid"), List.of(a("ruid", "int", i32(0)), a("euid", "int", i32(1)))),
            ev(List.of("setregid"), List.of(a("rgid", "int", i32(0)), a("egid", "int", i32(1)))),
            ev(List.of("setresuid"), List.of(a("ruid", "int", i32(0)), a("euid", "int", i32(1)), a("suid", "int", i32(2)))),
            ev(List.of("setresgid"), List.of(a("rgid", "int", i32(0)), a("egid", "int", i32(1)), a("sgid", "int", i32(2)))),
            ev(List.of("capset"), List.of(a("effective", "string", aux(0, v -> "0x" + Long.toHexString(v))),
                    a("permitted", "string", aux(1, v -> "0x" + Long.toHexString(v))),
                    a("cap_added", "list", decode("aux[0..1] beyond the caller's caps", EventSchema::capAdded)))),
            new Event(List.of("execve"), List.of(a("filename", "string", str(0)),
                    a("argv", "list", new Src("str1 (aux[0] bytes)",
                            r -> ProcessTable.splitNul(r.str1(), (int) Math.min(r.aux()[0], r.str1().length)))),
                    a("exe_memfd", "bool", new Src("str2", r -> r.s2().startsWith("memfd:"))),
                    a("exe_deleted", "bool", flag("F_EXE_DELETED", RawEvent.F_EXE_DELETED)),
                    // the executed file's set-id bits and owner, the real uid after the exec, the kernel's privilege raise
                    a("exe_setuid", "bool", new Src("args[2]", r -> (execMode(r) & 04000) != 0)),
                    a("exe_setgid", "bool", new Src("args[2]", r -> (execMode(r) & 02000) != 0 && (execMode(r) & 010) != 0)),
                    a("exe_uid", "int", i32(3)),
                    a("exe_gid", "int", args(3, v -> (int) (v >>> 32))),
                    a("ruid", "int", i32(4)),
                    a("secureexec", "bool", flag("F_SECUREEXEC", RawEvent.F_SECUREEXEC)),
                    // a container process starting in a directory of another mount namespace (the kernel checks contained tasks only)
                    a("cwd_foreign_mnt", "bool", flag("F2_CWD_FOREIGN", RawEvent.F2_CWD_FOREIGN)),
                    a("root_foreign_mnt", "bool", flag("F2_ROOT_FOREIGN", RawEvent.F2_ROOT_FOREIGN)),
                    a("exe_foreign_mnt", "bool", flag("F2_EXE_FOREIGN", RawEvent.F2_EXE_FOREIGN)),
                    a("runtime_process_file", "string", decode("/proc cmdline", r -> ABSENT)),
                    a("runtime_process_cwd", "string", decode("the process file", r -> ABSENT)),
                    // a program the kernel itself started (a usermode helper: release_agent, a core_pattern pipe, modprobe):
                    // on the host, and its parent is kthreadd
                    a("kernel_spawned", "bool", new Src("flags F_CONTAINED, ppid", r -> !r.contained() && r.ppid() == KTHREADD)),
                    // the follow-up of an escape (io.bulwark.sensor.detect.FollowUps): this run is what a container's
                    // release_agent/core_pattern write or host chroot armed; the event then names that container
                    a("escape_of", "string", decode("the detector: the vector of the container's step this run follows", r -> ABSENT)),
                    a("escape_by_pid", "int", decode("the detector: the container process that took that step", r -> ABSENT)),
                    a("escape_file", "string", decode("the detector: the file it wrote, or the root it chrooted to", r -> ABSENT))),
                    Enrich.RUNTIME_PROCESS),
            ev(List.of("procexit"), List.of(a("code", "int", args(0, v -> v >> 8)))),
            ev(List.of("cgroup_mkdir"), List.of(a("path", "string", str(0)), a("id", "int", args(0)), a("level", "int", args(1)),
                    a("hierarchy", "int", aux(0)))),
            ev(List.of("io_uring_submit"), join(List.of(a("opcode", "string", new Src("nr", r -> Flags.ioUringOp(r.nr())))),
                    only(EventSchema::ioConnect, List.of(SOCKADDR.get(0))),
                    List.of(a("path", "string", new Src("str0 (AF_UNIX with CONNECT)",
                                    r -> !ioConnect(r) ? r.s0() : family(r) == AF_UNIX ? unixPath(r) : ABSENT)),
                            a("name", "string", new Src("str0 (AF_UNIX with CONNECT)",
                                    r -> !ioConnect(r) ? r.s0() : family(r) == AF_UNIX ? unixPath(r) : ABSENT))),
                    only(EventSchema::ioConnect, SOCKADDR.subList(3, 5)),
                    only(r -> !ioConnect(r), List.of(a("flags", "flags", args(0, Flags::open)))),
                    only(r -> !ioConnect(r), OPEN_FD_TARGET), only(r -> !ioConnect(r), OPEN_FOREIGN))));

    private static final Map<String, Event> BY_TYPE = new LinkedHashMap<>();

    static {
        for (Event e : EVENTS) {
            for (String t : e.types()) {
                if (BY_TYPE.put(t, e) != null) {
                    throw new IllegalStateException("event type " + t + " twice in EventSchema");
                }
            }
        }
    }

    private EventSchema() {}

    private static Event ev(List<String> types, List<Arg> args) {
        return new Event(types, args, Enrich.NONE);
    }

    @SafeVarargs
    private static List<Arg> join(List<Arg>... parts) {
        Map<String, Arg> m = new LinkedHashMap<>();
        for (List<Arg> p : parts) {
            p.forEach(x -> m.putIfAbsent(x.name(), x));
        }
        return List.copyOf(m.values());
    }

    public static List<Event> events() {
        return EVENTS;
    }

    /** The event with this {@code evt.type} (syscall name, execve, procexit …), or null when the sensor never sends it. */
    public static Event event(String type) {
        return BY_TYPE.get(type);
    }

    /** Every {@code evt.type} the sensor sends. */
    public static Set<String> types() {
        return Collections.unmodifiableSet(BY_TYPE.keySet());
    }

    /** The argument names an event of this type may carry (its own, the common ones); null for a type not in the table. */
    public static Set<String> argNames(String type) {
        Event e = BY_TYPE.get(type);
        if (e == null) {
            return null;
        }
        Set<String> s = new LinkedHashSet<>(e.argNames());
        ANY_EVENT.forEach(x -> s.add(x.name()));
        if (!type.equals("execve") && !type.equals("procexit") && !type.equals("cgroup_mkdir") && !type.equals("io_uring_submit")) {
            COMPAT.forEach(x -> s.add(x.name()));
        }
        s.addAll(RESULT_ALIASES);
        return s;
    }

    /** Every argument name of any event. */
    public static Set<String> allArgNames() {
        Set<String> s = new TreeSet<>();
        for (String t : BY_TYPE.keySet()) {
            s.addAll(argNames(t));
        }
        return s;
    }

    /** The known names closest to {@code name} (edit distance at most 2), best first. */
    public static List<String> nearest(String name, Set<String> known) {
        List<String> out = new ArrayList<>();
        for (int d = 1; d <= 2 && out.isEmpty(); d++) {
            for (String k : new TreeSet<>(known)) {
                if (io.bulwark.contract.EditDistance.between(name, k) == d) {
                    out.add(k);
                }
            }
        }
        return out;
    }

    /** The docs/events.md section generated from this table (between its markers). */
    public static String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| `evt.type` | `evt.arg` names, in order (type, source in `struct bw_event`) |\n| --- | --- |\n");
        for (Event e : EVENTS) {
            b.append("| ");
            b.append(String.join(", ", e.types().stream().map(t -> "`" + t + "`").toList()));
            b.append(" | ");
            b.append(String.join(", ", e.args().stream().map(x -> "`" + x.name() + "` (" + x.type() + ", " + x.source() + ")").toList()));
            b.append(" |\n");
        }
        b.append("| every event of a container process | ")
                .append(String.join(", ", ANY_EVENT.stream().map(x -> "`" + x.name() + "` (" + x.type() + ", " + x.source() + ")").toList()))
                .append(" |\n");
        b.append("| every syscall event made through the 32-bit door | ")
                .append(String.join(", ", COMPAT.stream().map(x -> "`" + x.name() + "` (" + x.type() + ", " + x.source() + ")").toList()))
                .append(" |\n");
        b.append("| any (rules only) | `res`, `res_or_fd`: `syscall.result` |\n");
        return b.toString();
    }
}
