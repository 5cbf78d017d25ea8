package io.bulwark.sensor.act;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SIGKILL to one process, named by pid and start time, through a pidfd ({@link Processes#kill}): a
 * recycled pid is never hit. The guardrails have checked that the process is in a container.
 */
public final class KillAction implements NodeAction {
    @Override
    public String name() {
        return "kill";
    }

    @Override
    public boolean targetsProcess() {
        return true;
    }

    @Override
    public Map<String, Object> run(Context ctx) throws Failed {
        int pid = ctx.target().pid();
        long start = ctx.target().startTime();
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("signal", "SIGKILL");
        facts.put("via", "pidfd");
        Processes.KillResult r;
        try {
            r = Processes.kill(pid, start);
        } catch (IOException | RuntimeException e) {
            throw new Failed("signal: " + e.getMessage());
        }
        switch (r) {
            case GONE -> throw new Failed("gone: no process " + pid);
            case RECYCLED -> throw new Failed("recycled: pid " + pid + " is now another process (start time "
                    + Processes.startTime(pid) + ", expected " + start + "); not signalled");
            default -> { }
        }
        facts.put("killed", true);
        return facts;
    }

    @Override
    public String wouldDo(Context ctx) {
        return "would send SIGKILL to pid " + ctx.target().pid() + " (start time " + ctx.target().startTime() + ") in " + ctx.cgroup().describe();
    }
}
