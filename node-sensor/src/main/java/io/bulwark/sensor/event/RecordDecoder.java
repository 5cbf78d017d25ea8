package io.bulwark.sensor.event;

import io.bulwark.sensor.probe.RawEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pure decoder: a ring-buffer record (its bytes, or its {@link RawEvent} view) to the event's type and
 * arguments, by walking the event's rows in {@link EventSchema}. It reads nothing but the record: no /proc,
 * no process table, no state (the same record always decodes to the same arguments). What only the live
 * system can tell is left to the next stages: {@link ProcessStage} (the process table and credential
 * baseline) and {@link ArgEnricher} (relative path names placed through /proc, setns targets …).
 */
public final class RecordDecoder {

    /**
     * A decoded record: the event type ({@code evt.type}; {@link #FORK} for a fork, which only feeds the process
     * table), its arguments in the table's order (a mutable map: later stages fill in and add), the syscall's
     * result, and the table row it was decoded by (null for a syscall the table does not know).
     */
    public record Decoded(RawEvent raw, String type, Map<String, Object> args, long ret, EventSchema.Event schema) {}

    /** The type of a fork record: it carries no event, only the new process for the table. */
    public static final String FORK = "fork";

    private final SyscallTable table = SyscallTable.get();
    /** The table row of each syscall number (null: not in the table), and the row of each other op. */
    private final Plan[] bySyscall = new Plan[1024];
    private final EventSchema.Event[] eventBySyscall = new EventSchema.Event[1024];
    private final EventSchema.Event exec = EventSchema.event("execve");
    private final EventSchema.Event exit = EventSchema.event("procexit");
    private final EventSchema.Event cgroupMkdir = EventSchema.event("cgroup_mkdir");
    private final EventSchema.Event ioUring = EventSchema.event("io_uring_submit");
    private final Plan execArgs = Plan.of(exec.args());
    private final Plan exitArgs = Plan.of(exit.args());
    private final Plan cgroupArgs = Plan.of(cgroupMkdir.args());
    private final Plan ioUringArgs = Plan.of(ioUring.args());
    private static final Plan COMPAT = Plan.of(EventSchema.COMPAT);

    public RecordDecoder() {
        for (EventSchema.Event e : EventSchema.events()) {
            if (e == exec || e == exit || e == cgroupMkdir || e == ioUring) {
                continue; // records of their own (tracepoints), not syscall records, whatever their name
            }
            for (String type : e.types()) {
                int nr = table.number(type);
                if (nr >= 0 && nr < bySyscall.length) {
                    bySyscall[nr] = Plan.of(e.args());
                    eventBySyscall[nr] = e;
                }
            }
        }
    }

    /** Decodes one record from its bytes as the kernel wrote them (little-endian). */
    public Decoded decode(byte[] record) {
        return decode(RawEvent.parse(ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN), 0, record.length));
    }

    public Decoded decode(RawEvent r) {
        return switch (r.op()) {
            case RawEvent.OP_SYSCALL -> syscall(r);
            case RawEvent.OP_EXEC -> new Decoded(r, "execve", read(r, execArgs, new LinkedHashMap<>()), 0, exec);
            case RawEvent.OP_FORK -> new Decoded(r, FORK, new LinkedHashMap<>(), 0, null);
            case RawEvent.OP_EXIT -> new Decoded(r, "procexit", read(r, exitArgs, new LinkedHashMap<>()), 0, exit);
            case RawEvent.OP_CGROUP_MKDIR -> new Decoded(r, "cgroup_mkdir", read(r, cgroupArgs, new LinkedHashMap<>()), 0, cgroupMkdir);
            case RawEvent.OP_IOURING -> new Decoded(r, "io_uring_submit", read(r, ioUringArgs, new LinkedHashMap<>()), 0, ioUring);
            default -> throw new IllegalArgumentException("unknown event op " + r.op());
        };
    }

    private Decoded syscall(RawEvent r) {
        int nr = r.nr();
        Plan args = nr < bySyscall.length ? bySyscall[nr] : null;
        Map<String, Object> m = new LinkedHashMap<>();
        if (args != null) {
            read(r, args, m);
        } else {
            // a syscall the table does not know (the watch list and the table agree: EventSchemaTest): its raw registers
            for (int i = 0; i < 6; i++) {
                m.put("arg" + i, r.args()[i]);
            }
        }
        // made through the 32-bit door: after the syscall's own arguments, so evt.arg[N] keeps its meaning
        if ((r.flags() & RawEvent.F_COMPAT) != 0) {
            read(r, COMPAT, m);
        }
        return new Decoded(r, table.name(nr), m, r.ret(), args == null ? null : eventBySyscall[nr]);
    }

    /** An event's rows as the decoder walks them: for each row, where its group (the rows sharing its condition) ends. */
    private record Plan(EventSchema.Arg[] args, int[] groupEnd) {
        static Plan of(List<EventSchema.Arg> rows) {
            EventSchema.Arg[] args = rows.toArray(EventSchema.Arg[]::new);
            int[] end = new int[args.length];
            for (int i = args.length - 1; i >= 0; i--) {
                end[i] = i + 1 < args.length && args[i].when() != null && args[i + 1].when() == args[i].when() ? end[i + 1] : i + 1;
            }
            return new Plan(args, end);
        }
    }

    private static Map<String, Object> read(RawEvent r, Plan plan, Map<String, Object> m) {
        EventSchema.Arg[] args = plan.args();
        for (int i = 0; i < args.length; ) {
            EventSchema.Arg a = args[i];
            EventSchema.Guard g = a.when();
            if (g != null && !g.holds(r)) {
                i = plan.groupEnd()[i]; // the group's condition does not hold: none of it is read
                continue;
            }
            Object v = value(r, a);
            if (v != EventSchema.ABSENT) {
                m.put(a.name(), v);
            }
            i++;
        }
        return m;
    }

    /** One row's value: the common sources read here in one switch, the others by the row's reader. */
    private static Object value(RawEvent r, EventSchema.Arg a) {
        java.util.function.LongFunction<Object> conv = a.conv();
        return switch (a.kind()) {
            case ARG -> conv == null ? (Object) r.args()[a.index()] : conv.apply(r.args()[a.index()]);
            case ARG_I32 -> (int) r.args()[a.index()];
            case AUX -> conv == null ? (Object) r.aux()[a.index()] : conv.apply(r.aux()[a.index()]);
            case STR0 -> r.s0();
            case STR1 -> r.s1();
            case STR2 -> r.s2();
            case FLAG -> (r.flags() & a.index()) != 0;
            case FLAG_SET -> (r.flags() & a.index()) != 0 ? Boolean.TRUE : EventSchema.ABSENT;
            case READ -> a.read().read(r);
        };
    }
}
