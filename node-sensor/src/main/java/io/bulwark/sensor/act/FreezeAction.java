package io.bulwark.sensor.act;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Freezes a container's cgroup (cgroup2 cgroup.freeze, else the v1 freezer) and confirms it is frozen.
 *
 * <p>The confirmation is bounded twice: the caller waits at most {@code inlineNs} (a freeze of a few
 * runnable tasks completes in well under a millisecond); when the kernel has not confirmed it by then
 * (a task in uninterruptible sleep, a FUSE or NFS wait, a huge cgroup) the action throws {@link Pending}
 * with the check to go on polling, and {@link NodeActions} confirms it in the background, up to
 * {@code timeoutNs}, in a second audit record. The freeze stays requested meanwhile: the kernel freezes
 * each task as soon as it can.
 */
public final class FreezeAction implements NodeAction {
    private final long inlineNs;
    private final long timeoutNs;

    /** Waits up to {@code timeoutNs} inline (commands, tests). */
    public FreezeAction(long timeoutNs) {
        this(timeoutNs, timeoutNs);
    }

    /**
     * @param inlineNs  how long the calling thread waits for the kernel's confirmation
     * @param timeoutNs how long the confirmation may take in all (inline and in the background)
     */
    public FreezeAction(long inlineNs, long timeoutNs) {
        this.inlineNs = Math.min(inlineNs, timeoutNs);
        this.timeoutNs = timeoutNs;
    }

    @Override
    public String name() {
        return "freeze";
    }

    long timeoutNs() {
        return timeoutNs;
    }

    /** The freeze was written; the kernel had not confirmed it after the inline budget. */
    static final class Pending extends Exception {
        final Map<String, Object> facts;
        final Freezer.Check confirmed;
        final long waitedNs;

        Pending(Map<String, Object> facts, Freezer.Check confirmed, long waitedNs) {
            super("requested: freeze written, not confirmed by the kernel within " + waitedNs / 1_000_000 + " ms");
            this.facts = facts;
            this.confirmed = confirmed;
            this.waitedNs = waitedNs;
        }
    }

    @Override
    public Map<String, Object> run(Context ctx) throws Failed {
        try {
            return runOrPend(ctx);
        } catch (Pending p) {
            // callers that do not confirm in the background wait here, up to the whole timeout
            try {
                if (!Freezer.await(p.confirmed, timeoutNs - p.waitedNs)) {
                    throw new Failed("timeout: not frozen after " + timeoutNs / 1_000_000 + " ms");
                }
            } catch (IOException e) {
                throw new Failed("io: " + e.getMessage());
            }
            return p.facts;
        }
    }

    /** Freezes; returns once confirmed, or throws {@link Pending} after the inline budget. */
    Map<String, Object> runOrPend(Context ctx) throws Failed, Pending {
        String mech = Freezer.mechanism(ctx.cgroup());
        if (mech == null) {
            throw new Failed("no-freezer: neither " + ctx.cgroup().v2Dir() + "/cgroup.freeze nor a v1 freezer.state");
        }
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("mechanism", mech);
        facts.put("cgroup", Freezer.V2.equals(mech) ? ctx.cgroup().v2Dir().toString() : ctx.cgroup().freezerDir().toString());
        boolean already = Freezer.frozen(ctx.cgroup());
        facts.put("already_frozen", already);
        try {
            Freezer.requestFreeze(ctx.cgroup(), mech);
            Freezer.Check frozen = () -> Freezer.isFrozen(ctx.cgroup(), mech);
            if (!Freezer.await(frozen, inlineNs)) {
                throw new Pending(facts, frozen, inlineNs);
            }
        } catch (IOException e) {
            throw new Failed("io: " + e.getMessage());
        }
        return facts;
    }

    @Override
    public String wouldDo(Context ctx) {
        String mech = Freezer.mechanism(ctx.cgroup());
        return mech == null ? "would fail: no freezer for " + ctx.cgroup().describe()
                : "would freeze " + (Freezer.V2.equals(mech) ? ctx.cgroup().v2Dir() + "/cgroup.freeze" : ctx.cgroup().freezerDir() + "/freezer.state");
    }
}
