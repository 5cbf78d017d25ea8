package io.bulwark.sensor.integrity;

import io.bulwark.sensor.probe.BpfInventory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where every loaded BPF program's JIT-compiled code lies in kernel memory (BPF_PROG_GET_NEXT_ID,
 * BPF_OBJ_GET_INFO_BY_FD's jited_ksyms and jited_func_lens, as bpftool reads them), with the
 * programs' links: names the BPF program a hook jumps into by its id, name, type, attachment and
 * the processes holding it. Exact ranges, not the nearest kallsyms symbol: BPF images, ftrace
 * trampolines and modules share one area, and a trampoline placed just after a program's image
 * would otherwise be taken for that program.
 */
final class BpfCode {
    private final List<BpfInventory.Program> programs;
    private final Map<Integer, List<BpfInventory.Link>> links = new HashMap<>();
    private final String unreadable;

    BpfCode(List<BpfInventory.Program> programs, List<BpfInventory.Link> links, String unreadable) {
        this.programs = programs;
        this.unreadable = unreadable;
        for (BpfInventory.Link l : links) {
            this.links.computeIfAbsent(l.progId(), k -> new ArrayList<>()).add(l);
        }
    }

    /** The kernel's programs and links now; when the kernel refuses (not root), an empty inventory that says why. */
    static BpfCode read() {
        try {
            BpfInventory inv = new BpfInventory();
            return new BpfCode(inv.programs(0), inv.links(), null);
        } catch (RuntimeException e) {
            return new BpfCode(List.of(), List.of(), "BPF programs unreadable: " + e.getMessage());
        }
    }

    /** Null when the inventory was read; else why not (then a hook target cannot be matched to a program's code). */
    String unreadable() {
        return unreadable;
    }

    /** True when at least one program's code ranges are known (the kernel shows JIT addresses to this reader). */
    boolean rangesKnown() {
        return unreadable == null && programs.stream().anyMatch(p -> p.jitStarts().length > 0);
    }

    /** The program whose JIT-compiled code contains {@code addr}, or null. */
    BpfInventory.Program at(long addr) {
        for (BpfInventory.Program p : programs) {
            if (p.containsCode(addr)) {
                return p;
            }
        }
        return null;
    }

    /**
     * The programs a BPF trampoline calls: fentry/fexit/LSM/freplace programs ({@code tracing},
     * {@code lsm}, {@code ext}) attached to the function the trampoline's key names. The kernel
     * names a trampoline {@code bpf_trampoline_<key>} with key = BTF object id &lt;&lt; 32 | BTF type
     * id of the attach target (bpf_trampoline_compute_key), which is what each such program's
     * {@code attach_btf_obj_id} and {@code attach_btf_id} say. Empty when the key does not parse
     * or no listed program matches (e.g. a program attached to another program, keyed by that
     * program's id).
     */
    List<BpfInventory.Program> throughTrampoline(String symbol) {
        if (!symbol.startsWith("bpf_trampoline_")) {
            return List.of();
        }
        long key;
        try {
            key = Long.parseUnsignedLong(symbol.substring("bpf_trampoline_".length()));
        } catch (NumberFormatException e) {
            return List.of();
        }
        int obj = (int) (key >>> 32);
        int type = (int) key;
        List<BpfInventory.Program> out = new ArrayList<>();
        for (BpfInventory.Program p : programs) {
            if ((p.type() == 26 || p.type() == 28 || p.type() == 29) && p.attachBtfObjId() == obj && p.attachBtfId() == type) {
                out.add(p);
            }
        }
        return out;
    }

    /** What an alert says about a program: id, name, type, tag, attachment, loading uid and the processes holding it. */
    Map<String, Object> describe(BpfInventory.Program p) {
        List<BpfInventory.Link> own = links.getOrDefault(p.id(), List.of());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("prog_id", p.id());
        d.put("prog_name", p.name());
        d.put("prog_type", BpfCheck.TYPES.getOrDefault(p.type(), "type " + p.type()));
        d.put("prog_tag", p.tag());
        d.put("attach_type", BpfCheck.attachType(p, own));
        d.put("attached", BpfCheck.attachments(p, own));
        d.put("loaded_by_uid", p.uid());
        List<String> h = BpfCheck.holders(Set.of(p.id())).getOrDefault(p.id(), List.of());
        d.put("held_by", h.isEmpty() ? List.of("no process (pinned in bpffs, or kept by a link alone)") : h);
        return d;
    }
}
