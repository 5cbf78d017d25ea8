package io.bulwark.sensor.rules.fields;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.contract.Syscall;
import java.util.List;
import java.util.Map;

/**
 * One event as the rules see it: the record plus the engine's event number and values derived once
 * per event on first use (the file descriptor view, capability lists). Not thread-safe; one per event.
 */
public final class EventView {
    SensorEvent event;
    Syscall sc;
    ProcessInfo proc;
    ContainerInfo ctr;
    Map<String, Object> args;
    long num;
    private FdInfo fd;
    private String procArgs;
    private List<Object> ancNames;
    private List<Object> ancOther;
    private char ancOtherKind;
    /** fd.mount.source, dest and host_path, computed together once per event (hostMountDone). */
    private boolean hostMountDone;
    private String hmSource;
    private String hmDest;
    private String hmPath;
    /** Per-event memo of compiled macros and field values (see eval.SlotSpace); null when the view has none. */
    private final Object slotOwner;
    private final byte[] memo;
    private final Object[] values;
    /** Room for the generated dispatch's results (see eval.PlanCode#match), reused event after event. */
    private int[] scratch;
    /** The value slots filled for the current event, so that {@link #reset} clears only those. */
    private final int[] filled;
    private int nFilled;

    public EventView(SensorEvent event, long num) {
        this(event, num, null, 0, 0);
    }

    /**
     * A view with room to memoise {@code memoSlots} condition results and {@code valueSlots} field values,
     * for the compiled conditions whose slots belong to {@code slotOwner}.
     */
    public EventView(SensorEvent event, long num, Object slotOwner, int memoSlots, int valueSlots) {
        this.slotOwner = slotOwner;
        this.memo = slotOwner == null ? null : new byte[memoSlots];
        this.values = slotOwner == null ? null : new Object[valueSlots];
        this.filled = slotOwner == null ? null : new int[valueSlots];
        point(event, num);
    }

    private void point(SensorEvent event, long num) {
        this.event = event;
        this.sc = event.syscall();
        this.proc = event.process();
        this.ctr = event.container();
        this.args = sc == null || sc.args() == null ? Map.of() : sc.args();
        this.num = num;
    }

    /**
     * This view, now of {@code event}: everything derived from the previous event (memo slots, field values,
     * the descriptor view) is forgotten. For a view that one thread reuses event after event, so that the
     * memo arrays are not allocated per event; never for a view another thread may be reading.
     */
    public EventView reset(SensorEvent event, long num) {
        point(event, num);
        fd = null;
        procArgs = null;
        ancNames = null;
        ancOther = null;
        ancOtherKind = 0;
        hostMountDone = false;
        hmSource = hmDest = hmPath = null;
        if (values != null) {
            for (int k = 0; k < nFilled; k++) {
                values[filled[k]] = null;
            }
            nFilled = 0;
            java.util.Arrays.fill(memo, (byte) 0);
        }
        return this;
    }

    /** Stores a field value in its slot (slot empty, non-null value); {@link #reset} clears it. */
    public void fill(int slot, Object v) {
        values[slot] = v;
        filled[nFilled++] = slot;
    }

    /** An int array of at least {@code n} elements, reused by this view (its content is the caller's business). */
    public int[] scratch(int n) {
        int[] s = scratch;
        if (s == null || s.length < n) {
            scratch = s = new int[n];
        }
        return s;
    }

    /** The owner of this view's memo slots (null: memoise nothing). */
    public Object slotOwner() {
        return slotOwner;
    }

    /** Memoised condition results: 0 not yet evaluated, else result + 1. Only for the slot owner's nodes. */
    public byte[] memo() {
        return memo;
    }

    /** Memoised field values: null not yet extracted. Only for the slot owner's fields. */
    public Object[] values() {
        return values;
    }

    public SensorEvent event() {
        return event;
    }

    /** The syscall name, Falco's evt.type ("" when the event has none). */
    public String type() {
        return sc == null || sc.name() == null ? "" : sc.name();
    }

    Object arg(String name) {
        return args.get(name);
    }

    String argText(String name) {
        Object v = args.get(name);
        return v == null ? null : Values.text(v);
    }

    ProcessInfo.Ancestor ancestor(int n) {
        if (proc == null || proc.ancestors() == null) {
            return null;
        }
        List<ProcessInfo.Ancestor> a = proc.ancestors();
        return n >= 1 && n <= a.size() ? a.get(n - 1) : null;
    }

    /** proc.args: arguments joined by spaces, computed once per event. */
    String procArgs() {
        if (procArgs == null && proc != null) {
            procArgs = proc.args() == null || proc.args().isEmpty() ? "" : String.join(" ", proc.args());
        }
        return procArgs;
    }

    /** One value per ancestor (n: comm, e: exe, c: cmdline, p: pid), computed once per event. */
    List<Object> ancestorValues(char what) {
        if (proc == null || proc.ancestors() == null) {
            return null;
        }
        if (what == 'n' && ancNames != null) {
            return ancNames;
        }
        if (what != 'n' && ancOther != null && ancOtherKind == what) {
            return ancOther;
        }
        List<Object> out = new java.util.ArrayList<>(proc.ancestors().size());
        for (ProcessInfo.Ancestor a : proc.ancestors()) {
            Object v = FieldRegistry.ancValue(a, what);
            if (v != null) {
                out.add(v);
            }
        }
        if (what == 'n') {
            ancNames = out;
        } else {
            ancOther = out;
            ancOtherKind = what;
        }
        return out;
    }

    /** fd.mount.source (0), dest (1) or host_path (2): the three are computed together, once per event. */
    String hostMount(int what) {
        if (!hostMountDone) {
            String[] r = FieldRegistry.hostMountOf(this);
            if (r != null) {
                hmSource = r[0];
                hmDest = r[1];
                hmPath = r[2];
            }
            hostMountDone = true;
        }
        return what == 0 ? hmSource : what == 1 ? hmDest : hmPath;
    }

    FdInfo fd() {
        if (fd == null) {
            fd = FdInfo.of(this);
        }
        return fd;
    }
}
