package io.bulwark.sensor.act;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Thaws a container frozen by either freezer; a container that is not frozen is left as it is (done, nothing thawed). */
public final class ThawAction implements NodeAction {
    private final long timeoutNs;

    public ThawAction(long timeoutNs) {
        this.timeoutNs = timeoutNs;
    }

    @Override
    public String name() {
        return "thaw";
    }

    @Override
    public Map<String, Object> run(Context ctx) throws Failed {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("cgroup", ctx.cgroup().describe());
        try {
            facts.put("thawed", Freezer.thaw(ctx.cgroup(), timeoutNs));
        } catch (IOException e) {
            throw new Failed("io: " + e.getMessage());
        }
        return facts;
    }

    @Override
    public String wouldDo(Context ctx) {
        return "would thaw " + ctx.cgroup().describe() + (Freezer.frozen(ctx.cgroup()) ? " (frozen now)" : " (not frozen now)");
    }
}
