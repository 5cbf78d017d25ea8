package io.bulwark.sensor.event;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one table of the events the sensor sends and the arguments each carries ({@code syscall.args},
 * a rule's {@code evt.arg.NAME}), in the order {@link EventDecoder} puts them (so {@code evt.arg[N]}
 * follows it), with each argument's JSON type and where it comes from in {@code struct bw_event}
 * ({@code args[n]}, {@code aux[n]}, a string slot {@code str0..str2}, a flag bit, or {@code decode}: worked
 * out in user space). Falco's driver keeps the same kind of table (its event table).
 * <p>
 * Used by: the rule loader (an {@code evt.arg.X} that no event type of the rule's condition carries is
 * an error), docs/events.md (its generated section is this table; EventSchemaTest fails when they
 * differ), EventSchemaTest (the decoder sends only these names; the watched syscalls are those of the
 * table; the BPF header's ops, flags and counters match their Java mirrors).
 */
public final class EventSchema {

    /** One argument: its name, JSON type, and source in the raw event. */
    public record Arg(String name, String type, String source) {}

    /** One event type (its {@code evt.type} names share the arguments) with its arguments in decode order. */
    public record Event(List<String> types, List<Arg> args) {
        public Set<String> argNames() {
            Set<String> s = new LinkedHashSet<>();
            args.forEach(a -> s.add(a.name()));
            return s;
        }
    }

    /** Arguments any event of a container process may carry (the decoder's credential baseline). */
    public static final List<Arg> ANY_EVENT = List.of(
            new Arg("cred_unexplained", "list", "decode"));
    /** Arguments of a syscall event made through the 32-bit door (absent on ordinary 64-bit calls). */
    public static final List<Arg> COMPAT = List.of(
            new Arg("compat", "bool", "flags F_COMPAT"),
            new Arg("compat_64bit_code", "bool", "flags F_COMPAT64"),
            new Arg("socketcall", "bool", "flags F_SOCKETCALL"));
    /** Names every rule may use whatever the event: they fall back to {@code syscall.result} (FieldRegistry). */
    public static final Set<String> RESULT_ALIASES = Set.of("res", "res_or_fd");

    private static final List<Arg> OPEN_FD_TARGET = List.of(
            a("fd_target", "string", "str1 (F_PROC_FD)"), a("fd_target_type", "string", "aux[1] (F_PROC_FD)"),
            a("fd_target_exec", "bool", "aux[1] (F_PROC_FD)"), a("fd_target_foreign_mnt", "bool", "aux[1] FD_FOREIGN_MNT"),
            a("fd_target_procfs", "bool", "aux[1] FD_PROCFS"), a("fd_target_other_process", "bool", "aux[1] FD_OTHER_PROC"));
    private static final List<Arg> OPEN_FOREIGN = List.of(
            a("dir_foreign_mnt", "bool", "flags2 F2_DIR_FOREIGN"),
            a("kernel_file", "string", "str2 (F2_FILE_KERNEL)"), a("kernel_fs", "string", "args[5] (F2_FILE_KERNEL)"),
            a("redirected", "bool", "decode (F2_FILE_KERNEL)"),
            a("file_foreign_mnt", "bool", "flags2 F2_FILE_FOREIGN"), a("file_name", "string", "str1 (F2_FILE_FOREIGN)"),
            a("file_type", "string", "aux[1] (F2_FILE_FOREIGN)"), a("file_exec", "bool", "aux[1] (F2_FILE_FOREIGN)"));
    private static final List<Arg> SOCKADDR = List.of(
            a("family", "string", "aux[0]"), a("path", "string", "str0 (AF_UNIX)"), a("name", "string", "str0 (AF_UNIX)"),
            a("addr", "string", "str1 (AF_INET, AF_INET6)"), a("port", "int", "aux[1]"));

    private static final List<Event> EVENTS = List.of(
            ev(List.of("open", "creat"), join(List.of(a("path", "string", "str0"), a("dir", "string", "str1 (OPEN_DIR)"),
                    a("name", "string", "decode"), a("flags", "flags", "args[1]"), a("mode", "int", "args[1..2]")), OPEN_FD_TARGET, OPEN_FOREIGN)),
            ev(List.of("openat"), join(List.of(a("dirfd", "int", "args[0]"), a("path", "string", "str0"), a("dir", "string", "str1 (OPEN_DIR)"),
                    a("name", "string", "decode"), a("flags", "flags", "args[2]"), a("mode", "int", "args[3]")), OPEN_FD_TARGET, OPEN_FOREIGN)),
            ev(List.of("openat2"), join(List.of(a("dirfd", "int", "args[0]"), a("path", "string", "str0"), a("dir", "string", "str1 (OPEN_DIR)"),
                    a("name", "string", "decode"), a("flags", "flags", "aux[0]")), OPEN_FD_TARGET, OPEN_FOREIGN)),
            ev(List.of("connect"), join(List.of(a("fd", "int", "args[0]")), SOCKADDR)),
            ev(List.of("socket"), List.of(a("domain", "string", "args[0]"), a("type", "string", "args[1]"), a("protocol", "int", "args[2]"))),
            ev(List.of("setns"), List.of(a("fd", "int", "args[0]"), a("nstype", "flags", "args[1]"), a("ns_type", "string", "str0"),
                    a("ns_inum", "int", "aux[0]"), a("target_pid", "int", "aux[1]"), a("target_other_mnt_ns", "bool", "decode"),
                    a("target_comm", "string", "decode"), a("target_container", "string", "decode"),
                    a("target_container_name", "string", "decode"), a("ns_host", "bool", "decode"), a("fd_name", "string", "str0"))),
            ev(List.of("unshare", "clone"), List.of(a("flags", "flags", "args[0]"))),
            ev(List.of("clone3"), List.of(a("flags", "flags", "aux[0]"))),
            ev(List.of("mount"), List.of(a("source", "string", "str0"), a("target", "string", "str1"), a("fstype", "string", "str2"),
                    a("flags", "flags", "args[3]"))),
            ev(List.of("fsopen"), List.of(a("fsname", "string", "str2"), a("flags", "int", "args[1]"))),
            ev(List.of("fsconfig"), List.of(a("fd", "int", "args[0]"), a("cmd", "int", "args[1]"), a("key", "string", "str2"),
                    a("value", "string", "str0"))),
            ev(List.of("fsmount"), List.of(a("fd", "int", "args[0]"), a("flags", "int", "args[1]"))),
            ev(List.of("move_mount"), List.of(a("from_path", "string", "str0"), a("to_path", "string", "str1"), a("flags", "int", "args[4]"))),
            ev(List.of("open_tree"), List.of(a("path", "string", "str0"), a("flags", "int", "args[2]"))),
            ev(List.of("chroot"), List.of(a("path", "string", "str0"), a("root_foreign_mnt", "bool", "flags2 F2_ROOT_FOREIGN"))),
            ev(List.of("pivot_root"), List.of(a("new_root", "string", "str0"), a("put_old", "string", "str1"))),
            ev(List.of("ptrace"), List.of(a("request", "string", "args[0]"), a("pid", "int", "args[1]"))),
            ev(List.of("process_vm_writev"), List.of(a("pid", "int", "args[0]"))),
            ev(List.of("bpf"), List.of(a("cmd", "string", "args[0]"))),
            ev(List.of("init_module"), List.of(a("len", "int", "args[1]"))),
            ev(List.of("finit_module"), List.of(a("fd", "int", "args[0]"), a("flags", "int", "args[2]"))),
            ev(List.of("delete_module"), List.of(a("name", "string", "str0"))),
            ev(List.of("userfaultfd"), List.of(a("flags", "int", "args[0]"))),
            ev(List.of("memfd_create"), List.of(a("name", "string", "str0"), a("flags", "int", "args[1]"))),
            ev(List.of("open_by_handle_at"), List.of(a("mountdirfd", "int", "args[0]"), a("flags", "flags", "args[2]"))),
            ev(List.of("name_to_handle_at"), List.of(a("path", "string", "str0"))),
            ev(List.of("mknod", "mknodat"), List.of(a("path", "string", "str0"), a("name", "string", "str0"),
                    a("mode", "string", "args[1] / args[2]"), a("dev", "string", "args[2] / args[3]"))),
            ev(List.of("symlink", "symlinkat"), List.of(a("target", "string", "str0"), a("linkpath", "string", "str1"),
                    a("linkname", "string", "decode (str2 OPEN_DIR)"))),
            ev(List.of("link", "linkat", "rename", "renameat"), List.of(a("oldpath", "string", "str0"), a("newpath", "string", "str1"),
                    a("oldname", "string", "decode (str2 OPEN_DIR)"), a("newname", "string", "decode (str2 OPEN_DIR)"))),
            ev(List.of("renameat2"), List.of(a("oldpath", "string", "str0"), a("newpath", "string", "str1"),
                    a("oldname", "string", "decode (str2 OPEN_DIR)"), a("newname", "string", "decode (str2 OPEN_DIR)"),
                    a("flags", "flags", "args[4]"), a("exchange_types", "string", "decode (RENAME_EXCHANGE)"),
                    a("exchange_symlink_dir", "bool", "decode (RENAME_EXCHANGE)"))),
            ev(List.of("unlink", "unlinkat"), List.of(a("path", "string", "str0"), a("name", "string", "decode (str1 OPEN_DIR)"))),
            ev(List.of("chdir"), List.of(a("path", "string", "str0"), a("cwd_foreign_mnt", "bool", "aux[1]"), a("cwd_name", "string", "str1"))),
            ev(List.of("fchdir"), List.of(a("fd", "int", "args[0]"), a("fd_foreign_mnt", "bool", "aux[0]"),
                    a("cwd_foreign_mnt", "bool", "aux[1]"), a("cwd_name", "string", "str1"))),
            ev(List.of("dup2", "dup3"), List.of(a("oldfd", "int", "args[0]"), a("newfd", "int", "args[1]"), a("oldfd_type", "string", "aux[0]"))),
            ev(List.of("splice"), List.of(a("fd_in", "int", "args[0]"), a("fd_out", "int", "args[2]"), a("len", "int", "args[4]"),
                    a("flags", "int", "args[5]"), a("in_type", "string", "aux[0]"), a("out_type", "string", "aux[1]"))),
            ev(List.of("setuid", "setfsuid"), List.of(a("uid", "int", "args[0]"))),
            ev(List.of("setgid", "setfsgid"), List.of(a("gid", "int", "args[0]"))),
            ev(List.of("setreuid"), List.of(a("ruid", "int", "args[0]"), a("euid", "int", "args[1]"))),
            ev(List.of("setregid"), List.of(a("rgid", "int", "args[0]"), a("egid", "int", "args[1]"))),
            ev(List.of("setresuid"), List.of(a("ruid", "int", "args[0]"), a("euid", "int", "args[1]"), a("suid", "int", "args[2]"))),
            ev(List.of("setresgid"), List.of(a("rgid", "int", "args[0]"), a("egid", "int", "args[1]"), a("sgid", "int", "args[2]"))),
            ev(List.of("capset"), List.of(a("effective", "string", "aux[0]"), a("permitted", "string", "aux[1]"),
                    a("cap_added", "list", "decode"))),
            ev(List.of("execve"), List.of(a("filename", "string", "str0"), a("argv", "list", "str1 (aux[0] bytes)"),
                    a("exe_memfd", "bool", "str2"), a("exe_deleted", "bool", "flags F_EXE_DELETED"),
                    a("exe_setuid", "bool", "args[2]"), a("exe_setgid", "bool", "args[2]"), a("exe_uid", "int", "args[3]"),
                    a("exe_gid", "int", "args[3]"), a("ruid", "int", "args[4]"), a("secureexec", "bool", "flags F_SECUREEXEC"),
                    a("cwd_foreign_mnt", "bool", "flags2 F2_CWD_FOREIGN"), a("root_foreign_mnt", "bool", "flags2 F2_ROOT_FOREIGN"),
                    a("exe_foreign_mnt", "bool", "flags2 F2_EXE_FOREIGN"), a("runtime_process_file", "string", "decode (/proc cmdline)"),
                    a("runtime_process_cwd", "string", "decode (the process file)"))),
            ev(List.of("procexit"), List.of(a("code", "int", "args[0]"))),
            ev(List.of("cgroup_mkdir"), List.of(a("path", "string", "str0"), a("id", "int", "args[0]"), a("level", "int", "args[1]"),
                    a("hierarchy", "int", "aux[0]"))),
            ev(List.of("io_uring_submit"), join(List.of(a("opcode", "string", "nr")), SOCKADDR,
                    List.of(a("flags", "flags", "args[0]")), OPEN_FD_TARGET, OPEN_FOREIGN)));

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

    private static Arg a(String name, String type, String source) {
        return new Arg(name, type, source);
    }

    private static Event ev(List<String> types, List<Arg> args) {
        return new Event(types, args);
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
