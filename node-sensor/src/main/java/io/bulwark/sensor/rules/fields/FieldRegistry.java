package io.bulwark.sensor.rules.fields;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.sensor.rules.eval.Glob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Falco field names mapped to typed extractors over {@link io.bulwark.contract.SensorEvent}. Names are
 * resolved once, when a rule is compiled; evaluating a rule calls the extractors directly.
 */
public final class FieldRegistry {

    /** A field name resolved for one use: its definition, effective type and extractor. */
    public record Resolved(FieldDef def, FieldType type, Extractor extractor) {}

    private static final FieldRegistry STANDARD = new FieldRegistry(new UserDirectory());
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private final Map<String, FieldDef> fields = new LinkedHashMap<>();
    private final UserDirectory users;
    private final String hostname;

    public FieldRegistry(UserDirectory users) {
        this.users = users;
        this.hostname = readHostname();
        defineEvt();
        defineProc();
        defineUser();
        defineContainer();
        defineFd();
    }

    /** The registry with host/container passwd resolution. */
    public static FieldRegistry standard() {
        return STANDARD;
    }

    public Collection<FieldDef> all() {
        return Collections.unmodifiableCollection(fields.values());
    }

    /**
     * Resolves {@code name} with its optional {@code arg}; null if Bulwark does not support the field.
     *
     * @throws IllegalArgumentException when the field exists but the argument is wrong for it
     */
    public Resolved resolve(String name, String arg) {
        FieldDef d = fields.get(name);
        if (d == null) {
            for (String prefix : new String[]{"evt.arg.", "evt.rawarg."}) {
                if (name.startsWith(prefix) && name.length() > prefix.length()) {
                    if (arg != null) {
                        throw new IllegalArgumentException("field '" + name + "' takes no [argument]");
                    }
                    FieldDef dyn = fields.get(prefix + "*");
                    return new Resolved(dyn, FieldType.DYNAMIC, dyn.factory().apply(name.substring(prefix.length())));
                }
            }
            return null;
        }
        if (arg == null && d.argMode() == FieldDef.ArgMode.REQUIRED) {
            throw new IllegalArgumentException("field '" + name + "' needs an argument: " + name + "[...]");
        }
        if (arg != null && d.argMode() == FieldDef.ArgMode.NONE) {
            throw new IllegalArgumentException("field '" + name + "' takes no [argument]");
        }
        return new Resolved(d, d.typeFor(arg), d.factory().apply(arg));
    }

    // ---------------------------------------------------------------- definitions

    private void def(String name, FieldType type, String source, Extractor ex) {
        fields.put(name, new FieldDef(name, type, null, FieldDef.ArgMode.NONE, source, a -> ex));
    }

    private void defArg(String name, FieldType type, FieldType argType, FieldDef.ArgMode mode, String source,
                        Function<String, Extractor> factory) {
        fields.put(name, new FieldDef(name, type, argType, mode, source, factory));
    }

    /** Falco knows this value; Bulwark's sensor does not collect it (always unknown, renders as <NA>). */
    private void unknown(String name, FieldType type, String why) {
        def(name, type, "not collected by the sensor (" + why + "): always unknown, renders <NA>", ev -> Values.UNKNOWN);
    }

    private void defineEvt() {
        def("evt.type", FieldType.STRING, "`syscall.name` (exec events are `execve`)", EventView::type);
        def("evt.dir", FieldType.STRING, "always `<`: events are paired at exit", ev -> "<");
        def("evt.num", FieldType.NUMBER, "sequence number given by the rule engine, from 1", ev -> ev.num);
        def("evt.source", FieldType.STRING, "always `syscall`", ev -> "syscall");
        def("evt.rawtime", FieldType.NUMBER, "`time` (ns since the epoch)", ev -> ev.event.time());
        def("evt.time", FieldType.STRING, "`time` as HH:MM:SS.nnnnnnnnn (UTC)", ev -> {
            long t = ev.event.time();
            return TIME.format(Instant.ofEpochSecond(t / 1_000_000_000L)) + String.format(".%09d", t % 1_000_000_000L);
        });
        def("evt.datetime", FieldType.STRING, "`time` as YYYY-MM-DD HH:MM:SS.nnnnnnnnn (UTC)", ev -> {
            long t = ev.event.time();
            return DATE.format(Instant.ofEpochSecond(t / 1_000_000_000L)) + String.format(".%09d", t % 1_000_000_000L);
        });
        def("evt.hostname", FieldType.STRING, "the node's hostname (/proc/sys/kernel/hostname)", ev -> hostname);
        def("evt.res", FieldType.STRING, "`SUCCESS` when `syscall.result >= 0`, else `syscall.errno` (EPERM …)", ev -> {
            if (ev.sc == null) {
                return null;
            }
            if (ev.sc.result() >= 0) {
                return "SUCCESS";
            }
            return ev.sc.errno() != null ? ev.sc.errno() : String.valueOf(ev.sc.result());
        });
        def("evt.rawres", FieldType.NUMBER, "`syscall.result`", ev -> ev.sc == null ? null : (Object) ev.sc.result());
        def("evt.failed", FieldType.BOOL, "`syscall.result < 0`", ev -> ev.sc == null ? null : (Object) (ev.sc.result() < 0));
        def("evt.is_open_read", FieldType.BOOL, "open family and io_uring OPENAT*: `flags` without O_WRONLY; false for other events",
                ev -> openFlag(ev, 'r'));
        def("evt.is_open_write", FieldType.BOOL, "open family and io_uring OPENAT*: `flags` with O_WRONLY or O_RDWR (creat: true); false for other events",
                ev -> openFlag(ev, 'w'));
        def("evt.is_open_exec", FieldType.BOOL, "open family and io_uring OPENAT*: O_CREAT with an execute bit in `mode`; false for other events",
                ev -> openFlag(ev, 'x'));
        def("evt.is_compat", FieldType.BOOL, "the syscall came through the 32-bit door (ia32: `int 0x80`, sysenter; "
                + "`syscall.args.compat`); its name and arguments are the x86_64 equivalents. false for other events",
                ev -> Boolean.TRUE.equals(ev.args.get("compat")));
        def("evt.args", FieldType.STRING, "all `syscall.args` as `name=value name=value`", ev -> {
            StringBuilder b = new StringBuilder();
            for (Map.Entry<String, Object> e : ev.args.entrySet()) {
                if (b.length() > 0) {
                    b.append(' ');
                }
                b.append(e.getKey()).append('=').append(Values.text(e.getValue()));
            }
            return b.toString();
        });
        Function<String, Extractor> argByName = FieldRegistry::argExtractor;
        defArg("evt.arg.*", FieldType.DYNAMIC, null, FieldDef.ArgMode.NONE,
                "`syscall.args.<name>` (`evt.arg.res` and `evt.arg.res_or_fd` fall back to `syscall.result`)", argByName);
        defArg("evt.rawarg.*", FieldType.DYNAMIC, null, FieldDef.ArgMode.NONE, "same as evt.arg.*", argByName);
        defArg("evt.arg", FieldType.DYNAMIC, FieldType.DYNAMIC, FieldDef.ArgMode.REQUIRED,
                "`evt.arg[N]`: the N-th argument in the order the event lists them; `evt.arg[name]` = evt.arg.name",
                a -> {
                    Long n = Values.parseLong(a);
                    if (n == null) {
                        return argExtractor(a);
                    }
                    int idx = n.intValue();
                    return ev -> {
                        Iterator<Object> it = ev.args.values().iterator();
                        for (int k = 0; it.hasNext(); k++) {
                            Object v = it.next();
                            if (k == idx) {
                                return v;
                            }
                        }
                        return null;
                    };
                });
        def("evt.buffer", FieldType.STRING, "I/O buffer: the sensor sends no read/write events, so always absent", ev -> null);
    }

    private static Extractor argExtractor(String name) {
        if (name.equals("res") || name.equals("res_or_fd")) {
            return ev -> {
                Object v = ev.args.get(name);
                return v != null || ev.sc == null ? v : (Object) ev.sc.result();
            };
        }
        return ev -> ev.args.get(name);
    }

    private static Object openFlag(EventView ev, char which) {
        String t = ev.type();
        boolean open = switch (t) {
            case "open", "openat", "openat2", "creat", "open_by_handle_at" -> true;
            case "io_uring_submit" -> {
                String op = ev.argText("opcode");
                yield "OPENAT".equals(op) || "OPENAT2".equals(op);
            }
            default -> false;
        };
        if (!open) {
            return Boolean.FALSE;
        }
        String flags = ev.argText("flags");
        if (flags == null) {
            return t.equals("creat") && which == 'w' ? Boolean.TRUE : Values.UNKNOWN;
        }
        return switch (which) {
            case 'r' -> !flags.contains("O_WRONLY") && !t.equals("creat");
            case 'w' -> flags.contains("O_WRONLY") || flags.contains("O_RDWR") || t.equals("creat");
            default -> {
                if (!flags.contains("O_CREAT") && !t.equals("creat")) {
                    yield false;
                }
                Object mode = ev.arg("mode");
                Long m = mode instanceof String s && s.startsWith("0") && s.length() > 1 ? parseOctal(s) : Values.number(mode);
                if (m != null) {
                    yield (m & 0111) != 0;
                }
                yield mode != null && Values.text(mode).contains("S_IX");
            }
        };
    }

    private static Long parseOctal(String s) {
        try {
            return Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void defineProc() {
        def("proc.name", FieldType.STRING, "`process.comm`", ev -> ev.proc == null ? null : ev.proc.comm());
        def("proc.exe", FieldType.STRING, "`process.exe` (Falco: argv[0]; the sensor gives the exec path)",
                ev -> ev.proc == null ? null : ev.proc.exe());
        def("proc.exepath", FieldType.STRING, "`process.exe`", ev -> ev.proc == null ? null : ev.proc.exe());
        def("proc.cmdline", FieldType.STRING, "`process.cmdline` (comm and args)", ev -> {
            if (ev.proc == null) {
                return null;
            }
            if (ev.proc.cmdline() != null) {
                return ev.proc.cmdline();
            }
            return ev.proc.comm() == null ? null : (ev.proc.comm() + " " + join(ev.proc.args())).trim();
        });
        def("proc.args", FieldType.STRING, "`process.args` joined by spaces", EventView::procArgs);
        def("proc.pid", FieldType.NUMBER, "`process.pid`", ev -> ev.proc == null ? null : (Object) (long) ev.proc.pid());
        def("proc.vpid", FieldType.NUMBER, "`process.vpid`", ev -> ev.proc == null ? null : (Object) (long) ev.proc.vpid());
        def("proc.ppid", FieldType.NUMBER, "`process.ppid`", ev -> ev.proc == null ? null : (Object) (long) ev.proc.ppid());
        def("proc.tty", FieldType.NUMBER, "`process.tty` (0: none)", ev -> ev.proc == null ? null : (Object) (long) ev.proc.tty());
        def("proc.pname", FieldType.STRING, "`process.ancestors[0].comm`; absent without ancestors", ev -> anc(ev, 1, 'n'));
        def("proc.pexe", FieldType.STRING, "`process.ancestors[0].exe`", ev -> anc(ev, 1, 'e'));
        def("proc.pexepath", FieldType.STRING, "`process.ancestors[0].exe`", ev -> anc(ev, 1, 'e'));
        def("proc.pcmdline", FieldType.STRING, "`process.ancestors[0].cmdline`", ev -> anc(ev, 1, 'c'));
        ancestorField("proc.aname", 'n', "comm");
        ancestorField("proc.apid", 'p', "pid");
        ancestorField("proc.aexe", 'e', "exe");
        ancestorField("proc.aexepath", 'e', "exe");
        ancestorField("proc.acmdline", 'c', "cmdline");
        def("proc.is_exe_upper_layer", FieldType.BOOL, "`process.exe_upper_layer`",
                ev -> ev.proc == null ? null : (Object) ev.proc.exeUpperLayer());
        def("proc.is_runtime_work", FieldType.BOOL, "`process.runtime_work`: the container runtime's own work (Bulwark extension)",
                ev -> ev.proc == null ? null : (Object) ev.proc.runtimeWork());
        def("proc.is_exe_from_memfd", FieldType.BOOL, "execve `args.exe_memfd` when present, else `process.exe` starts with `memfd:`", ev -> {
            Object m = ev.arg("exe_memfd");
            if (m instanceof Boolean b && ev.type().equals("execve")) {
                return b;
            }
            return ev.proc == null || ev.proc.exe() == null ? null : (Object) ev.proc.exe().startsWith("memfd:");
        });
        def("proc.is_exe_writable", FieldType.BOOL, "not collected: always unknown", ev -> Values.UNKNOWN);
        def("proc.cred_unexplained", FieldType.LIST,
                "`syscall.args.cred_unexplained`: `root` and CAP_ names the container process holds that neither its last exec nor a setuid-family call the sensor saw explains; absent when none (Bulwark extension)",
                ev -> ev.arg("cred_unexplained"));
        def("thread.tid", FieldType.NUMBER, "`process.tid`", ev -> ev.proc == null ? null : (Object) (long) ev.proc.tid());
        def("proc.tid", FieldType.NUMBER, "`process.tid`", ev -> ev.proc == null ? null : (Object) (long) ev.proc.tid());
        def("thread.cap_effective", FieldType.LIST, "`process.cap_effective` as CAP_ names",
                ev -> ev.proc == null ? null : Capabilities.names(ev.proc.capEffective()));
        def("thread.cap_permitted", FieldType.LIST, "`process.cap_permitted` as CAP_ names",
                ev -> ev.proc == null ? null : Capabilities.names(ev.proc.capPermitted()));
        unknown("thread.cap_inheritable", FieldType.LIST, "inheritable set not read");
        unknown("thread.vtid", FieldType.NUMBER, "namespace tid not read");
        unknown("proc.cwd", FieldType.STRING, "working directory not tracked");
        unknown("proc.env", FieldType.STRING, "environment not read");
        unknown("proc.duration", FieldType.NUMBER, "process start time not in the event");
        unknown("proc.ppid.duration", FieldType.NUMBER, "process start time not in the event");
        unknown("proc.sid", FieldType.NUMBER, "session id not read");
        unknown("proc.sname", FieldType.STRING, "session leader not tracked");
        unknown("proc.is_sid_leader", FieldType.BOOL, "session id not read");
        unknown("proc.vpgid", FieldType.NUMBER, "process group not read");
        unknown("proc.vpgid.name", FieldType.STRING, "process group not read");
        unknown("proc.vpgid.exe", FieldType.STRING, "process group not read");
        unknown("proc.is_vpgid_leader", FieldType.BOOL, "process group not read");
        unknown("proc.loginshellid", FieldType.NUMBER, "login shell not tracked");
        unknown("proc.exe_ino", FieldType.NUMBER, "executable inode not read");
        unknown("proc.exe_ino.ctime", FieldType.NUMBER, "executable inode not read");
        unknown("proc.exe_ino.mtime", FieldType.NUMBER, "executable inode not read");
        unknown("proc.exe_ino.ctime_duration_proc_start", FieldType.NUMBER, "executable inode not read");
    }

    private void ancestorField(String name, char what, String from) {
        defArg(name, FieldType.ANCESTORS, what == 'p' ? FieldType.NUMBER : FieldType.STRING, FieldDef.ArgMode.OPTIONAL,
                "`[0]` the process itself, `[N]` `process.ancestors[N-1]." + from + "`; without index: any ancestor",
                arg -> {
                    if (arg == null) {
                        return ev -> ev.ancestorValues(what);
                    }
                    Long n = Values.parseLong(arg.trim());
                    if (n == null || n < 0) {
                        throw new IllegalArgumentException("field '" + name + "' needs a number ≥ 0 as argument, got '" + arg + "'");
                    }
                    int idx = n.intValue();
                    return ev -> anc(ev, idx, what);
                });
    }

    private static Object anc(EventView ev, int n, char what) {
        if (n == 0) {
            if (ev.proc == null) {
                return null;
            }
            return switch (what) {
                case 'n' -> ev.proc.comm();
                case 'e' -> ev.proc.exe();
                case 'c' -> ev.proc.cmdline();
                default -> (long) ev.proc.pid();
            };
        }
        ProcessInfo.Ancestor a = ev.ancestor(n);
        return a == null ? null : ancValue(a, what);
    }

    static Object ancValue(ProcessInfo.Ancestor a, char what) {
        return switch (what) {
            case 'n' -> a.comm();
            case 'e' -> a.exe();
            case 'c' -> a.cmdline();
            default -> (long) a.pid();
        };
    }

    private String root(EventView ev) {
        return ev.ctr != null && ev.ctr.rootfs() != null ? ev.ctr.rootfs() : "/";
    }

    private void defineUser() {
        def("user.uid", FieldType.NUMBER, "`process.uid`", ev -> ev.proc == null ? null : (Object) (long) ev.proc.uid());
        def("user.name", FieldType.STRING, "`process.uid` looked up in the container's /etc/passwd (host's for host processes); 0 is root",
                ev -> {
                    if (ev.proc == null) {
                        return null;
                    }
                    UserDirectory.User u = users.user(root(ev), ev.proc.uid());
                    return u == null ? null : u.name();
                });
        def("user.homedir", FieldType.STRING, "home directory of user.uid from the same passwd", ev -> {
            UserDirectory.User u = ev.proc == null ? null : users.user(root(ev), ev.proc.uid());
            return u == null ? null : u.home();
        });
        def("user.shell", FieldType.STRING, "login shell of user.uid from the same passwd", ev -> {
            UserDirectory.User u = ev.proc == null ? null : users.user(root(ev), ev.proc.uid());
            return u == null ? null : u.shell();
        });
        def("user.loginuid", FieldType.NUMBER, "`process.loginuid` (-1: unset)", ev -> ev.proc == null ? null : (Object) (long) ev.proc.loginuid());
        def("user.loginname", FieldType.STRING, "`process.loginuid` in the host's /etc/passwd; absent when unset", ev -> {
            if (ev.proc == null || ev.proc.loginuid() < 0) {
                return null;
            }
            UserDirectory.User u = users.user("/", ev.proc.loginuid());
            return u == null ? null : u.name();
        });
        def("group.gid", FieldType.NUMBER, "`process.gid`", ev -> ev.proc == null ? null : (Object) (long) ev.proc.gid());
        def("group.name", FieldType.STRING, "`process.gid` in the container's (or host's) /etc/group",
                ev -> ev.proc == null ? null : users.group(root(ev), ev.proc.gid()));
    }

    private void defineContainer() {
        def("container.id", FieldType.STRING, "`container.id` (first 12 characters of a 64-hex id, as Falco); `host` for host processes",
                ev -> {
                    if (ev.ctr == null) {
                        return "host";
                    }
                    return shortId(ev.ctr.id());
                });
        def("container.full_id", FieldType.STRING, "`container.id`; `host` for host processes", ev -> ev.ctr == null ? "host" : ev.ctr.id());
        def("container.name", FieldType.STRING, "`container.name`; `host` for host processes", ev -> ev.ctr == null ? "host" : ev.ctr.name());
        def("container.type", FieldType.STRING, "`container.runtime`", ev -> ev.ctr == null ? null : ev.ctr.runtime());
        def("container.image", FieldType.STRING, "`container.image`", ev -> ev.ctr == null ? null : ev.ctr.image());
        def("container.image.repository", FieldType.STRING, "`container.image` without tag and digest",
                ev -> ev.ctr == null ? null : image(ev.ctr.image(), 'r'));
        def("container.image.tag", FieldType.STRING, "tag of `container.image`", ev -> ev.ctr == null ? null : image(ev.ctr.image(), 't'));
        def("container.image.digest", FieldType.STRING, "digest of `container.image` (after @)", ev -> ev.ctr == null ? null : image(ev.ctr.image(), 'd'));
        def("container.privileged", FieldType.BOOL, "`container.privileged`", ev -> ev.ctr == null ? null : (Object) ev.ctr.privileged());
        def("container.user", FieldType.NUMBER, "`container.user`: the uid of the OCI config's process.user (Bulwark extension)",
                ev -> ev.ctr == null ? null : (Object) (long) ev.ctr.user());
        def("container.no_new_privileges", FieldType.BOOL, "`container.no_new_privileges`: the OCI config's process.noNewPrivileges (Bulwark extension)",
                ev -> ev.ctr == null ? null : (Object) ev.ctr.noNewPrivileges());
        def("container.cwd", FieldType.STRING,
                "`container.cwd`: the OCI config's process.cwd, the working directory the runtime starts the container in; null when the config does not say (Bulwark extension)",
                ev -> ev.ctr == null ? null : ev.ctr.cwd());
        def("container.host_namespaces", FieldType.LIST,
                "`container.host_namespaces`: namespaces shared with the host (pid, network, ipc, uts, mount, user, cgroup) (Bulwark extension)",
                ev -> ev.ctr == null ? null : ev.ctr.hostNamespaces());
        def("container.mounts", FieldType.STRING, "`container.mounts` as `source:dest:mode:rw:propagation`, comma separated", ev -> {
            if (ev.ctr == null || ev.ctr.mounts() == null) {
                return null;
            }
            StringBuilder b = new StringBuilder();
            for (ContainerInfo.Mount m : ev.ctr.mounts()) {
                if (b.length() > 0) {
                    b.append(',');
                }
                b.append(m.source()).append(':').append(m.destination()).append("::").append(!m.readOnly()).append(':')
                        .append(propagation(m));
            }
            return b.toString();
        });
        defArg("container.mount.dest", FieldType.STRING, FieldType.STRING, FieldDef.ArgMode.REQUIRED,
                "`[N]`: destination of the N-th mount (from 0); `[glob]`: destination of the first mount whose source matches",
                arg -> mountLookup(arg, true));
        defArg("container.mount.source", FieldType.STRING, FieldType.STRING, FieldDef.ArgMode.REQUIRED,
                "`[N]`: source of the N-th mount (from 0); `[glob]`: source of the first mount whose destination matches",
                arg -> mountLookup(arg, false));
        unknown("container.start_ts", FieldType.NUMBER, "container start time not in the event");
        unknown("container.duration", FieldType.NUMBER, "container start time not in the event");
        unknown("container.ip", FieldType.STRING, "container address not resolved");
        def("k8s.ns.name", FieldType.STRING, "`container.k8s.namespace`", ev -> ev.ctr == null || ev.ctr.k8s() == null ? null : ev.ctr.k8s().namespace());
        def("k8s.pod.name", FieldType.STRING, "`container.k8s.pod`", ev -> ev.ctr == null || ev.ctr.k8s() == null ? null : ev.ctr.k8s().pod());
        def("k8s.pod.uid", FieldType.STRING, "`container.k8s.pod_uid`", ev -> ev.ctr == null || ev.ctr.k8s() == null ? null : ev.ctr.k8s().podUid());
        def("k8s.pod.id", FieldType.STRING, "`container.k8s.pod_uid`", ev -> ev.ctr == null || ev.ctr.k8s() == null ? null : ev.ctr.k8s().podUid());
        def("k8s.container.name", FieldType.STRING, "`container.k8s.container_name`",
                ev -> ev.ctr == null || ev.ctr.k8s() == null ? null : ev.ctr.k8s().containerName());
        unknown("k8s.pod.labels", FieldType.STRING, "pod labels not in the CRI annotations we read");
    }

    /** The last id {@link #shortId} shortened: events of one container share the id string. Immutable, racy-safe. */
    private record ShortId(String id, String shortId) {}

    private static ShortId lastShortId = new ShortId("", "");

    /** Falco's container.id: the first 12 characters of a 64-hex id, else the id. */
    static String shortId(String id) {
        if (id == null || id.length() != 64) {
            return id;
        }
        ShortId last = lastShortId;
        if (last.id == id) {
            return last.shortId;
        }
        for (int i = 0; i < 64; i++) {
            char c = id.charAt(i);
            boolean hex = c < 128 ? c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' : Character.digit(c, 16) >= 0;
            if (!hex) {
                return id;
            }
        }
        String s = id.substring(0, 12);
        lastShortId = new ShortId(id, s);
        return s;
    }

    private static String propagation(ContainerInfo.Mount m) {
        if (m.options() != null) {
            for (String o : m.options()) {
                if (o.endsWith("private") || o.endsWith("shared") || o.endsWith("slave")) {
                    return o;
                }
            }
        }
        return "";
    }

    private static Extractor mountLookup(String arg, boolean wantDest) {
        Long idx = Values.parseLong(arg.trim());
        if (idx != null) {
            int n = idx.intValue();
            return ev -> {
                if (ev.ctr == null || ev.ctr.mounts() == null || n < 0 || n >= ev.ctr.mounts().size()) {
                    return null;
                }
                ContainerInfo.Mount m = ev.ctr.mounts().get(n);
                return wantDest ? m.destination() : m.source();
            };
        }
        Glob g = Glob.compile(arg, false);
        return ev -> {
            if (ev.ctr == null || ev.ctr.mounts() == null) {
                return null;
            }
            for (ContainerInfo.Mount m : ev.ctr.mounts()) {
                String key = wantDest ? m.source() : m.destination();
                if (key != null && g.matches(key)) {
                    return wantDest ? m.destination() : m.source();
                }
            }
            return null;
        };
    }

    static String image(String image, char part) {
        if (image == null) {
            return null;
        }
        String digest = null;
        int at = image.indexOf('@');
        String ref = image;
        if (at >= 0) {
            digest = image.substring(at + 1);
            ref = image.substring(0, at);
        }
        String tag = null;
        int colon = ref.lastIndexOf(':');
        if (colon > ref.lastIndexOf('/')) {
            tag = ref.substring(colon + 1);
            ref = ref.substring(0, colon);
        }
        return switch (part) {
            case 'r' -> ref;
            case 't' -> tag;
            default -> digest;
        };
    }

    /**
     * The bind mount of the container that holds a file's name: among the mounts whose destination is
     * fd.name or a directory above it, the longest; a longer tmpfs or proc mount hides the bind below
     * it (null). {@code what}: 0 the host source, 1 the destination, 2 the file's host path.
     */
    /**
     * The path fd.mount.* judge: the open file's name; for rename/link the new path, for symlink the
     * link, for unlink the path removed (absolute paths only).
     */
    private static String mountPath(EventView ev) {
        FdInfo f = ev.fd();
        if (f.isFile()) {
            return f.name instanceof String n ? n : null;
        }
        String t = pathTarget(ev);
        if (t == null && ev.type() != null && ev.type().startsWith("unlink")) {
            t = pathName(ev);
        }
        return t;
    }

    private static Object hostMount(EventView ev, int what) {
        return ev.hostMount(what);
    }

    /** The bind mount holding the event's path: {source, dest, host path}, or null (see fd.mount.*). */
    static String[] hostMountOf(EventView ev) {
        String name = ev.ctr == null || ev.ctr.mounts() == null ? null : mountPath(ev);
        if (name == null || !name.startsWith("/")) {
            return null;
        }
        ContainerInfo.Mount best = null;
        String bestDest = null;
        for (ContainerInfo.Mount m : ev.ctr.mounts()) {
            String dest = trimSlash(m.destination());
            if (dest == null) {
                continue;
            }
            boolean holds = dest.equals("/") || name.equals(dest) || name.startsWith(dest + "/");
            if (holds && (bestDest == null || dest.length() > bestDest.length())) {
                best = m;
                bestDest = dest;
            }
        }
        if (best == null || !best.bind() || best.source() == null || !best.source().startsWith("/")) {
            return null;
        }
        String source = trimSlash(best.source());
        String rest = bestDest.equals("/") ? name : name.substring(bestDest.length());
        String hostPath = rest.isEmpty() ? source : source.equals("/") ? rest : source + rest;
        return new String[] {source, bestDest, hostPath};
    }

    private static String trimSlash(String p) {
        if (p == null || p.isEmpty()) {
            return null;
        }
        String t = p;
        while (t.length() > 1 && t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }

    private static final Map<String, String> TYPECHAR = Map.of("file", "f", "directory", "d", "ipv4", "4", "ipv6", "6",
            "unix", "u", "pipe", "p", "memfd", "m", "netlink", "n", "event", "e", "signalfd", "s");

    private void defineFd() {
        def("fd.num", FieldType.NUMBER, "opens: `syscall.result` (-1 on failure); socket: result; connect: `args.fd`; dup*: `args.oldfd`",
                ev -> ev.fd().num);
        def("fd.type", FieldType.STRING, "file/directory (opens, by O_DIRECTORY), ipv4/ipv6/unix (connect `family`, socket `domain`), memfd, dup*: `args.oldfd_type`",
                ev -> ev.fd().type);
        def("fd.typechar", FieldType.STRING, "f file, d directory, 4 ipv4, 6 ipv6, u unix, p pipe, m memfd", ev -> {
            Object t = ev.fd().type;
            if (t instanceof String s) {
                String c = TYPECHAR.get(s);
                return c == null ? Values.UNKNOWN : c;
            }
            return t;
        });
        def("fd.name", FieldType.STRING, "opens: `args.name` (else `args.path`); unix connect: `args.path`; inet connect: `addr:port`; memfd: `memfd:<name>`",
                ev -> ev.fd().name);
        def("fd.nameraw", FieldType.STRING, "opens: `args.path` as the process passed it", ev -> ev.fd().nameraw);
        def("fd.directory", FieldType.STRING, "directory part of fd.name for files", ev -> {
            FdInfo f = ev.fd();
            if (!f.isFile() || !(f.name instanceof String n)) {
                return f.isFile() ? f.name : null;
            }
            int slash = n.lastIndexOf('/');
            return slash < 0 ? null : slash == 0 ? "/" : n.substring(0, slash);
        });
        Extractor filename = ev -> {
            FdInfo f = ev.fd();
            if (!f.isFile() || !(f.name instanceof String n)) {
                return f.isFile() ? f.name : null;
            }
            return n.substring(n.lastIndexOf('/') + 1);
        };
        def("fd.filename", FieldType.STRING, "file part of fd.name for files", filename);
        def("fd.reached_filename", FieldType.STRING,
                "the name of the file a write open reached: `args.kernel_file` when the kernel named a kernel interface (whatever name led there), else fd.filename (Bulwark extension)",
                ev -> {
                    String k = ev.argText("kernel_file");
                    return k != null ? k : filename.get(ev);
                });
        def("fd.mount.source", FieldType.STRING,
                "host source of the container's bind mount that holds fd.name (the mount whose destination is the longest prefix of fd.name; for rename/link the new path, for symlink the link, for unlink the path); null when the longest such mount is not a bind, or none (Bulwark extension)",
                ev -> hostMount(ev, 0));
        def("fd.mount.dest", FieldType.STRING,
                "destination (in the container) of the bind mount of `fd.mount.source` (Bulwark extension)",
                ev -> hostMount(ev, 1));
        def("fd.mount.host_path", FieldType.STRING,
                "where fd.name (or the rename/link/symlink/unlink path) is on the host: `fd.mount.source` plus the rest of it after `fd.mount.dest` (Bulwark extension)",
                ev -> hostMount(ev, 2));
        Extractor sip = ev -> ev.fd().isInet() ? ev.fd().addr : inetUnknown(ev);
        Extractor sport = ev -> ev.fd().isInet() ? ev.fd().port : inetUnknown(ev);
        def("fd.sip", FieldType.IPADDR, "connect: `args.addr` (the server)", sip);
        def("fd.rip", FieldType.IPADDR, "connect: `args.addr` (the remote end)", sip);
        def("fd.ip", FieldType.IPADDR, "connect: `args.addr` (the local address is not known)", sip);
        def("fd.sport", FieldType.NUMBER, "connect: `args.port`", sport);
        def("fd.rport", FieldType.NUMBER, "connect: `args.port`", sport);
        def("fd.port", FieldType.NUMBER, "connect: `args.port` (the local port is not known)", sport);
        def("fd.net", FieldType.IPNET, "connect: `args.addr`, compared with networks", sip);
        def("fd.snet", FieldType.IPNET, "connect: `args.addr`, compared with networks", sip);
        def("fd.rnet", FieldType.IPNET, "connect: `args.addr`, compared with networks", sip);
        Extractor local = FieldRegistry::inetLocal;
        def("fd.cip", FieldType.IPADDR, "client (local) address of a connect: not collected, unknown", local);
        def("fd.lip", FieldType.IPADDR, "local address: not collected, unknown", local);
        def("fd.cport", FieldType.NUMBER, "local port: not collected, unknown", local);
        def("fd.lport", FieldType.NUMBER, "local port: not collected, unknown", local);
        def("fd.cnet", FieldType.IPNET, "local network: not collected, unknown", local);
        def("fd.lnet", FieldType.IPNET, "local network: not collected, unknown", local);
        for (String n : List.of("fd.sip.name", "fd.cip.name", "fd.rip.name", "fd.lip.name")) {
            def(n, FieldType.STRING, "DNS name of the address: not tracked, unknown for sockets", local);
        }
        def("fd.l4proto", FieldType.STRING, "tcp/udp/raw from the socket `type`/`protocol` args when the event has them; else unknown for inet sockets",
                ev -> ev.fd().l4proto);
        def("fd.sockfamily", FieldType.STRING, "ip or unix for sockets", ev -> {
            FdInfo f = ev.fd();
            if (f.isInet()) {
                return "ip";
            }
            return "unix".equals(f.type) ? "unix" : f.socket ? Values.UNKNOWN : null;
        });
        def("fd.connected", FieldType.BOOL, "sockets: true after a successful connect, else unknown", ev -> {
            FdInfo f = ev.fd();
            if (!f.socket) {
                return null;
            }
            return ev.type().equals("connect") && ev.sc.result() == 0 ? Boolean.TRUE : Values.UNKNOWN;
        });
        def("fd.name_changed", FieldType.BOOL, "not tracked: unknown for events with a descriptor",
                ev -> ev.fd() == FdInfo.NONE ? null : Values.UNKNOWN);
        defArg("fd.types", FieldType.LIST, FieldType.STRING, FieldDef.ArgMode.OPTIONAL,
                "the process's descriptor table is not tracked: unknown", a -> ev -> Values.UNKNOWN);
        def("fd.dev", FieldType.NUMBER, "not collected: unknown for files", ev -> ev.fd().isFile() ? Values.UNKNOWN : null);
        def("fd.ino", FieldType.NUMBER, "not collected: unknown for files", ev -> ev.fd().isFile() ? Values.UNKNOWN : null);
        def("fs.path.name", FieldType.STRING,
                "path argument of file-system syscalls, made absolute against the working directory or dirfd (`args.name`, else `args.path`)",
                FieldRegistry::pathName);
        def("fs.path.source", FieldType.STRING,
                "rename/link: the old path made absolute (`args.oldname`, else `args.oldpath`); symlink: `args.target` as given",
                ev -> {
                    String n = ev.argText("oldname");
                    if (n == null) {
                        n = ev.argText("oldpath");
                    }
                    return n != null ? n : ev.argText("target");
                });
        def("fs.path.target", FieldType.STRING,
                "rename/link: the new path made absolute (`args.newname`, else `args.newpath`); symlink: the link made absolute (`args.linkname`, else `args.linkpath`)",
                FieldRegistry::pathTarget);
    }

    private static String pathName(EventView ev) {
        String n = ev.argText("name");
        return n != null ? n : ev.argText("path");
    }

    private static String pathTarget(EventView ev) {
        for (String k : new String[] {"newname", "newpath", "linkname", "linkpath"}) {
            String n = ev.argText(k);
            if (n != null) {
                return n;
            }
        }
        return null;
    }

    private static Object inetUnknown(EventView ev) {
        FdInfo f = ev.fd();
        return f.type == Values.UNKNOWN && f.socket ? Values.UNKNOWN : null;
    }

    private static Object inetLocal(EventView ev) {
        FdInfo f = ev.fd();
        return f.isInet() || (f.type == Values.UNKNOWN && f.socket) ? Values.UNKNOWN : null;
    }

    private static String join(List<String> args) {
        if (args == null || args.isEmpty()) {
            return "";
        }
        return String.join(" ", args);
    }

    private static String readHostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (Exception e) {
            String h = System.getenv("HOSTNAME");
            return h == null ? "localhost" : h;
        }
    }
}
