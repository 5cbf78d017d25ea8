package io.bulwark.sensor.act;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Stops a container: SIGKILL to every process in its cgroup. cgroup2 {@code cgroup.kill} where the
 * kernel has it (5.14+; it kills frozen tasks too and races no fork); otherwise the runtime
 * ({@code runc kill --all ID KILL}) for runc containers; otherwise SIGKILL to each pid in the
 * cgroup1 freezer's cgroup.procs.
 *
 * <p>Then the runtime's record: a container of plain runc (state under runc's default root, {@code /run/runc}, not
 * managed by containerd, Podman or CRI-O, whose records are theirs and which reap a container whose init died) is
 * deleted with {@code runc delete ID} once its processes are gone, so {@code runc list} no longer shows it and its
 * name can be reused. The bundle and rootfs stay (evidence). A failed delete is a fact in the record, not a failed
 * stop: the processes are dead either way.
 */
public final class StopAction implements NodeAction {
    private final long timeoutNs;

    public StopAction(long timeoutNs) {
        this.timeoutNs = timeoutNs;
    }

    @Override
    public String name() {
        return "stop";
    }

    @Override
    public Map<String, Object> run(Context ctx) throws Failed {
        Map<String, Object> facts = new LinkedHashMap<>();
        ContainerCgroup cg = ctx.cgroup();
        try {
            if (cg.v2Dir() != null && Files.exists(cg.v2Dir().resolve("cgroup.kill"))) {
                facts.put("via", "cgroup.kill");
                facts.put("cgroup", cg.v2Dir().toString());
                Files.writeString(cg.v2Dir().resolve("cgroup.kill"), "1");
                awaitEmpty(cg.v2Dir());
                deleteRuncRecord(ctx, facts);
                return facts;
            }
            if (ctx.container() != null && "runc".equals(ctx.container().runtime())) {
                facts.put("via", "runc kill --all");
                Process p = new ProcessBuilder("runc", "kill", "--all", ctx.container().id(), "KILL").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes()).trim();
                if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new Failed("runc kill: " + out);
                }
                if (cg.v2Dir() != null) {
                    awaitEmpty(cg.v2Dir());
                } else if (cg.freezerDir() != null) {
                    awaitEmpty(cg.freezerDir());
                }
                deleteRuncRecord(ctx, facts);
                return facts;
            }
            if (cg.freezerDir() != null) {
                facts.put("via", "SIGKILL to each pid of " + cg.freezerDir() + "/cgroup.procs");
                for (String l : Files.readAllLines(cg.freezerDir().resolve("cgroup.procs"))) {
                    int pid = Integer.parseInt(l.trim());
                    long st = Processes.startTime(pid);
                    if (st >= 0) {
                        Processes.kill(pid, st);
                    }
                }
                awaitEmpty(cg.freezerDir());
                deleteRuncRecord(ctx, facts);
                return facts;
            }
        } catch (IOException e) {
            throw new Failed("io: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failed("interrupted");
        }
        throw new Failed("no-cgroup: nothing to kill through for " + cg.describe());
    }

    /** runc's root when the node runs as root (runc's default); the sensor's runc reader reads the same. */
    static final Path RUNC_ROOT = Path.of("/run/runc");

    /** {@code runc delete ID} for a plain runc container whose state is under {@link #RUNC_ROOT}; the outcome in {@code runtime_record}. */
    private static void deleteRuncRecord(Context ctx, Map<String, Object> facts) throws InterruptedException {
        if (ctx.container() == null || !"runc".equals(ctx.container().runtime())) {
            facts.put("runtime_record", "kept: " + (ctx.container() == null ? "no runtime knows the container"
                    : "its manager (" + ctx.container().runtime() + ") owns it"));
            return;
        }
        String id = ctx.container().id();
        if (!Files.isRegularFile(RUNC_ROOT.resolve(id).resolve("state.json"))) {
            facts.put("runtime_record", "kept: no " + RUNC_ROOT.resolve(id).resolve("state.json"));
            return;
        }
        try {
            // runc sees the container stopped once its init is gone; a moment after the cgroup emptied
            String out = "";
            for (int i = 0; i < 50; i++) {
                Process p = new ProcessBuilder("runc", "--root", RUNC_ROOT.toString(), "delete", id).redirectErrorStream(true).start();
                out = new String(p.getInputStream().readAllBytes()).trim();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    out = "runc delete did not return in 10 s";
                    break;
                }
                if (p.exitValue() == 0) {
                    facts.put("runtime_record", "deleted: runc delete " + id);
                    return;
                }
                if (!out.contains("running") && !out.contains("paused")) {
                    break;
                }
                Thread.sleep(20);
            }
            facts.put("runtime_record", "delete failed: " + out);
        } catch (IOException e) {
            facts.put("runtime_record", "delete failed: " + e.getMessage());
        }
    }

    private void awaitEmpty(Path dir) throws IOException, Failed {
        if (!Freezer.await(() -> {
            try {
                return Files.readString(dir.resolve("cgroup.procs")).isBlank();
            } catch (java.nio.file.NoSuchFileException gone) {
                return true; // the runtime removed the cgroup once its init died
            }
        }, timeoutNs)) {
            throw new Failed("timeout: processes left in " + dir + "/cgroup.procs: "
                    + List.of(Files.readString(dir.resolve("cgroup.procs")).trim().split("\n")));
        }
    }

    @Override
    public String wouldDo(Context ctx) {
        ContainerCgroup cg = ctx.cgroup();
        return "would SIGKILL every process of " + cg.describe()
                + (cg.v2Dir() != null && Files.exists(cg.v2Dir().resolve("cgroup.kill")) ? " via cgroup.kill" : "");
    }
}
