package io.bulwark.sensor.integrity;

import io.bulwark.sensor.probe.BpfInventory;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * BPF-based rootkits (bad-bpf, TripleCross, ebpfkit): every loaded BPF program is listed with the
 * helpers its instructions call and the links that attach it.
 *
 * <ul>
 * <li>{@code bpf_probe_write_user} (rewrites any process's memory: hides pids from getdents, edits
 * sudoers as sudo reads it, hijacks execve) or {@code bpf_override_return} (forces a syscall's
 * result): CRITICAL wherever found, baseline included (loaded before the sensor counts too).</li>
 * <li>New since the baseline and calling {@code bpf_send_signal[_thread]} (kills processes from
 * the kernel): ERROR.</li>
 * <li>New since the baseline and attached to syscalls (tracepoint sys_enter/sys_exit, a kprobe on
 * a syscall function, or a kprobe whose target the kernel does not tell): WARNING — other
 * security agents do this too.</li>
 * </ul>
 * Programs this process holds when the baseline is taken (the sensor's own, loaded before it),
 * and programs with the same tag (another instance of the same sensor build), are ours.
 */
final class BpfCheck {
    static final String CHECK = "bpf";
    static final Set<String> ROOTKIT_HELPERS = Set.of("bpf_probe_write_user", "bpf_override_return");
    static final Set<String> SIGNAL_HELPERS = Set.of("bpf_send_signal", "bpf_send_signal_thread");
    static final Map<Integer, String> TYPES = Map.ofEntries(
            Map.entry(1, "socket_filter"), Map.entry(2, "kprobe"), Map.entry(3, "sched_cls"), Map.entry(4, "sched_act"),
            Map.entry(5, "tracepoint"), Map.entry(6, "xdp"), Map.entry(7, "perf_event"), Map.entry(8, "cgroup_skb"),
            Map.entry(9, "cgroup_sock"), Map.entry(13, "sock_ops"), Map.entry(14, "sk_skb"), Map.entry(15, "cgroup_device"),
            Map.entry(16, "sk_msg"), Map.entry(17, "raw_tracepoint"), Map.entry(18, "cgroup_sock_addr"),
            Map.entry(23, "cgroup_sysctl"), Map.entry(24, "raw_tracepoint_writable"), Map.entry(25, "cgroup_sockopt"),
            Map.entry(26, "tracing"), Map.entry(27, "struct_ops"), Map.entry(28, "ext"), Map.entry(29, "lsm"),
            Map.entry(30, "sk_lookup"), Map.entry(31, "syscall"), Map.entry(32, "netfilter"));
    static final Map<Integer, String> LINK_TYPES = Map.ofEntries(Map.entry(1, "raw_tracepoint"), Map.entry(2, "tracing"),
            Map.entry(3, "cgroup"), Map.entry(4, "iter"), Map.entry(5, "netns"), Map.entry(6, "xdp"), Map.entry(7, "perf_event"),
            Map.entry(8, "kprobe_multi"), Map.entry(9, "struct_ops"), Map.entry(10, "netfilter"), Map.entry(11, "tcx"),
            Map.entry(12, "uprobe_multi"), Map.entry(13, "netkit"), Map.entry(14, "sockmap"));
    static final Map<Integer, String> PERF_TYPES = Map.of(1, "uprobe", 2, "uretprobe", 3, "kprobe", 4, "kretprobe", 5, "tracepoint", 6, "event");

    private final BpfInventory inventory = new BpfInventory();
    private final Set<Integer> baselineIds = new HashSet<>();
    private final Set<String> ownTags = new HashSet<>();
    private final Set<Integer> ownIds = new HashSet<>();

    List<Finding> run(KernelSymbols syms, boolean takeBaseline, Map<String, Object> stats, long bootToWallNs) {
        List<BpfInventory.Program> progs = inventory.programs(syms.addr("__bpf_call_base"));
        List<BpfInventory.Link> links = inventory.links();
        if (takeBaseline) {
            // Ours: what this process holds when the baseline is taken (the sensor loads its programs first),
            // and anything with the same tag (another instance of the same build).
            ownIds.clear();
            ownTags.clear();
            ownIds.addAll(heldBy(Path.of("/proc/self")));
        }
        List<Finding> out = evaluate(syms, progs, links, takeBaseline, stats, bootToWallNs);
        Map<Integer, List<String>> holders = out.isEmpty() ? Map.of()
                : holders(out.stream().map(f -> (Integer) f.details().get("prog_id")).collect(java.util.stream.Collectors.toSet()));
        for (Finding f : out) {
            List<String> h = holders.getOrDefault((Integer) f.details().get("prog_id"), List.of());
            f.details().put("held_by", h.isEmpty() ? List.of("no process (pinned in bpffs, or kept by a link alone)") : h);
        }
        return out;
    }

    /** The policy, apart from where the inventory comes from (tests feed fixtures). */
    List<Finding> evaluate(KernelSymbols syms, List<BpfInventory.Program> progs, List<BpfInventory.Link> links, boolean takeBaseline,
                           Map<String, Object> stats, long bootToWallNs) {
        Map<Integer, List<BpfInventory.Link>> linksByProg = new HashMap<>();
        for (BpfInventory.Link l : links) {
            linksByProg.computeIfAbsent(l.progId(), k -> new ArrayList<>()).add(l);
        }
        if (takeBaseline) {
            for (BpfInventory.Program p : progs) {
                if (ownIds.contains(p.id())) {
                    ownTags.add(p.tag());
                }
            }
        }
        List<Finding> out = new ArrayList<>();
        int unresolved = 0;
        for (BpfInventory.Program p : progs) {
            boolean ours = ownIds.contains(p.id()) || ownTags.contains(p.tag());
            if (ours) {
                continue;
            }
            Set<String> helpers = new TreeSet<>();
            for (long a : p.helperAddrs()) {
                KernelSymbols.Symbol s = syms.containing(a);
                helpers.add(s != null && s.addr() == a ? s.name() : "0x" + Long.toHexString(a));
            }
            if (p.helperImmsZeroed() > 0) {
                unresolved++;
            }
            boolean isNew = !takeBaseline && !baselineIds.contains(p.id());
            List<BpfInventory.Link> own = linksByProg.getOrDefault(p.id(), List.of());
            List<String> attach = attachments(p, own);
            boolean syscalls = false;
            for (BpfInventory.Link l : own) {
                syscalls |= syscallTarget(l.target());
            }
            if (own.isEmpty() && p.type() == 2) {
                syscalls = true; // a kprobe with an unknown target may well be on a syscall
            }
            Set<String> rootkit = intersect(helpers, ROOTKIT_HELPERS);
            Set<String> signal = intersect(helpers, SIGNAL_HELPERS);
            String rule = null;
            String why = null;
            if (!rootkit.isEmpty()) {
                rule = IntegrityRules.BPF_ROOTKIT;
                why = "calls " + String.join(", ", rootkit) + (rootkit.contains("bpf_probe_write_user")
                        ? ": it can rewrite the memory of any process it sees (hide pids and files from getdents, edit files as they are read, hijack execve)"
                        : ": it can force the result of kernel functions (block or fake syscalls)");
            } else if (isNew && !signal.isEmpty()) {
                rule = IntegrityRules.BPF_SIGNAL;
                why = "calls " + String.join(", ", signal) + ": it can kill processes from inside the kernel";
            } else if (isNew && syscalls && isTracing(p.type())) {
                rule = IntegrityRules.BPF_SYSCALL_HOOK;
                why = "watches syscalls (" + String.join("; ", attach) + ")";
            }
            if (rule == null) {
                continue;
            }
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("prog_id", p.id());
            d.put("prog_name", p.name());
            d.put("prog_type", TYPES.getOrDefault(p.type(), "type " + p.type()));
            d.put("prog_tag", p.tag());
            d.put("loaded_at", Instant.ofEpochSecond(0, p.loadTimeBootNs() + bootToWallNs).toString());
            d.put("loaded_by_uid", p.uid());
            d.put("helpers", List.copyOf(helpers));
            d.put("attached", attach);
            d.put("attach_type", attachType(p, own));
            d.put("maps", p.maps());
            d.put("new_since_baseline", isNew);
            String label = "'" + p.name() + "' (id " + p.id() + ", " + d.get("prog_type") + ", tag " + p.tag() + ")";
            out.add(IntegrityRules.finding(CHECK, rule, "bpf prog " + p.id() + " " + p.name(),
                    "BPF program " + label + " " + why, d, "bpf:" + p.id() + ":" + rule));
        }
        if (takeBaseline) {
            baselineIds.clear();
            for (BpfInventory.Program p : progs) {
                baselineIds.add(p.id());
            }
        }
        stats.put("programs", progs.size());
        stats.put("links", links.size());
        stats.put("own_programs", ownIds.size());
        if (unresolved > 0) {
            stats.put("programs_with_hidden_helpers", unresolved);
        }
        return out;
    }

    /** What the program is attached to, one entry per link: kind, target, link id. */
    static List<String> attachments(BpfInventory.Program p, List<BpfInventory.Link> links) {
        List<String> attach = new ArrayList<>();
        for (BpfInventory.Link l : links) {
            attach.add(linkKind(l) + (l.target() == null ? "" : " " + l.target()) + " (link " + l.id() + ")");
        }
        if (attach.isEmpty() && (p.type() == 2 || p.type() == 5)) {
            attach.add("attached without a link (perf_event ioctl): target not reported by the kernel");
        }
        return attach;
    }

    /** The kinds of attachment (e.g. {@code perf_event/tracepoint}, {@code raw_tracepoint}), else the program type and "no link". */
    static String attachType(BpfInventory.Program p, List<BpfInventory.Link> links) {
        Set<String> kinds = new LinkedHashSet<>();
        for (BpfInventory.Link l : links) {
            kinds.add(linkKind(l));
        }
        return kinds.isEmpty() ? TYPES.getOrDefault(p.type(), "type " + p.type()) + ", no link" : String.join(", ", kinds);
    }

    private static String linkKind(BpfInventory.Link l) {
        return LINK_TYPES.getOrDefault(l.type(), "type " + l.type())
                + (l.type() == 7 ? "/" + PERF_TYPES.getOrDefault(l.perfType(), "?") : "");
    }

    static boolean isTracing(int type) {
        return type == 2 || type == 5 || type == 7 || type == 17 || type == 24 || type == 26 || type == 29;
    }

    static boolean syscallTarget(String t) {
        if (t == null) {
            return false;
        }
        String s = t.contains(":") ? t.substring(t.indexOf(':') + 1) : t;
        return s.startsWith("sys_enter") || s.startsWith("sys_exit") || s.startsWith("__x64_sys_") || s.startsWith("__ia32_sys_")
                || s.startsWith("__se_sys_") || s.startsWith("__do_sys_") || s.equals("x64_sys_call") || s.equals("do_syscall_64");
    }

    private static Set<String> intersect(Set<String> a, Set<String> b) {
        Set<String> r = new TreeSet<>(a);
        r.retainAll(b);
        return r;
    }

    /** Program ids behind a process's bpf-prog and bpf_link descriptors (from /proc/PID/fdinfo). */
    static Set<Integer> heldBy(Path procPid) {
        Set<Integer> ids = new LinkedHashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(procPid.resolve("fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue;
                }
                if (!target.startsWith("anon_inode:bpf-prog") && !target.startsWith("anon_inode:bpf_link")) {
                    continue;
                }
                try {
                    for (String line : Files.readAllLines(procPid.resolve("fdinfo").resolve(fd.getFileName()))) {
                        if (line.startsWith("prog_id:")) {
                            ids.add(Integer.parseInt(line.substring(8).trim()));
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            // process gone
        }
        return ids;
    }

    /** "pid (comm)" of every process holding a descriptor of one of the programs. */
    static Map<Integer, List<String>> holders(Set<Integer> progIds) {
        Map<Integer, List<String>> out = new HashMap<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : procs) {
                Set<Integer> held = heldBy(p);
                held.retainAll(progIds);
                if (held.isEmpty()) {
                    continue;
                }
                String comm;
                try {
                    comm = Files.readString(p.resolve("comm")).strip();
                } catch (IOException e) {
                    comm = "?";
                }
                for (int id : held) {
                    out.computeIfAbsent(id, k -> new ArrayList<>()).add(p.getFileName() + " (" + comm + ")");
                }
            }
        } catch (IOException e) {
            // /proc unreadable: no holders named
        }
        return out;
    }
}
