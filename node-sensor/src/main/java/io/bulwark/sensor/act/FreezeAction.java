package io.bulwark.sensor.act;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Freezes a container's cgroup (cgroup2 cgroup.freeze, else the v1 freezer) and confirms it is frozen. */
public final class FreezeAction implements NodeAction {
    private final long timeoutNs;

    public FreezeAction(long timeoutNs) {
        this.timeoutNs = timeoutNs;
    }

    @Override
    public String name() {
        return "freeze";
    }

    @Override
    public Map<String, Object> run(Context ctx) throws Failed {
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
            if (!Freezer.freeze(ctx.cgroup(), mech, timeoutNs)) {
                throw new Failed("timeout: not frozen after " + timeoutNs / 1_000_000 + " ms");
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
