package io.bulwark.sensor.cli;

import io.bulwark.contract.ActionEnvelope;
import io.bulwark.contract.ActionRecord;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.sensor.Sensor;
import io.bulwark.sensor.act.CgroupLocator;
import io.bulwark.sensor.act.CommandSpool;
import io.bulwark.sensor.act.PlaybookPolicy;
import io.bulwark.sensor.evidence.ContainerTimeline;
import io.bulwark.sensor.evidence.EvidenceCapture;
import io.bulwark.sensor.act.Evidence;
import io.bulwark.sensor.act.FastPath;
import io.bulwark.sensor.act.IncidentTracker;
import io.bulwark.sensor.act.NodeActions;
import io.bulwark.sensor.act.ResponsePolicy;
import io.bulwark.sensor.alert.NodeIdentity;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.local.JsonLinesFile;
import io.bulwark.sensor.outbox.AlertOutbox;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code up}'s response wiring: the node actions with their audit sinks (console, DIR/actions.jsonl,
 * --alerts file, outbox), the incident tracker, the policy (playbooks), the fast path, the evidence
 * capture and the command spool.
 */
final class Response implements AutoCloseable {
    /** A response option that cannot be honoured (a bad playbook directory …). */
    static final class Unusable extends Exception {
        Unusable(String m) {
            super(m);
        }
    }

    private final UpCommand up;
    private final NodeActions actions;
    private final FastPath fastPath;
    private final ResponsePolicy policy;
    private final JsonLinesFile actionLog;
    private final AlertDetail.Node node;
    private CommandSpool spool;
    private EvidenceCapture capture;

    private Response(UpCommand up, NodeActions actions, FastPath fastPath, ResponsePolicy policy, JsonLinesFile actionLog, AlertDetail.Node node) {
        this.up = up;
        this.node = node;
        this.actions = actions;
        this.fastPath = fastPath;
        this.policy = policy;
        this.actionLog = actionLog;
    }

    static Response open(UpCommand up, ContainerResolver resolver, JsonLinesFile alertsFile, AlertOutbox box) throws Unusable {
        AlertDetail.Node node = NodeIdentity.detect();
        List<Consumer<ActionRecord>> audit = new ArrayList<>();
        audit.add(r -> {
            System.out.println(line(r));
            System.out.flush();
        });
        JsonLinesFile log = null; // DIR/actions.jsonl
        if (up.commandsDir != null) {
            try {
                CommandSpoolDirs.create(up.commandsDir);
            } catch (IOException e) {
                throw new Unusable("--commands " + up.commandsDir + ": " + e.getMessage());
            }
            log = new JsonLinesFile(up.commandsDir.resolve("actions.jsonl"));
            audit.add(log::accept);
        }
        if (alertsFile != null) {
            audit.add(r -> alertsFile.accept(ActionEnvelope.of(r)));
        }
        if (box != null) {
            audit.add(r -> box.accept(ActionEnvelope.of(r)));
        }
        PlaybookPolicy policy = policy(up.playbooksDir);
        java.util.Set<String> protectedNs = new java.util.TreeSet<>(up.protectedNamespaces);
        protectedNs.addAll(policy.protectedNamespaces());
        NodeActions actions = new NodeActions(CgroupLocator.system(), id -> lookup(resolver, id), protectedNs, up.dryRun, node, audit);
        FastPath fp = new FastPath(new IncidentTracker(node.hostname()), policy, actions, Evidence.NONE, !up.noRespond);
        return new Response(up, actions, fp, policy, log, node);
    }

    /** The policy: the playbooks in DIR, else the default playbook. */
    static PlaybookPolicy policy(Path playbooksDir) throws Unusable {
        if (playbooksDir == null) {
            return PlaybookPolicy.defaults();
        }
        try {
            return PlaybookPolicy.load(playbooksDir);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new Unusable("--playbooks: " + e.getMessage());
        }
    }

    private static ContainerInfo lookup(ContainerResolver resolver, String id) {
        ContainerInfo c = resolver.byId(id).orElse(null);
        if (c == null) {
            resolver.refresh();
            c = resolver.byId(id).orElse(null);
        }
        return c;
    }

    /** One line per action record on the console. */
    static String line(ActionRecord r) {
        String target = r.target() == null ? "?" : r.target().container() != null ? r.target().container()
                : "pid " + r.target().pid();
        return r.time() + " ACTION " + r.action() + " " + target + ": " + r.result()
                + (r.reason() == null ? "" : " (" + r.reason() + ")")
                + (r.incident() == null ? "" : " incident=" + r.incident())
                + (r.commandId() == null ? "" : " command=" + r.commandId())
                + String.format(" in %.1f ms", r.durationMs());
    }

    FastPath fastPath() {
        return fastPath;
    }

    /** A sink that files (and answers) an alert raised outside the detector, then hands it to every sink. */
    Consumer<AlertEnvelope> through(List<Consumer<AlertEnvelope>> sinks) {
        return a -> {
            AlertEnvelope r = a;
            try {
                r = fastPath.before(a);
            } catch (RuntimeException e) {
                System.err.println("bulwark up: response to alert " + a.detail().id() + " failed: " + e);
            }
            for (Consumer<AlertEnvelope> s : sinks) {
                try {
                    s.accept(r);
                } catch (RuntimeException e) {
                    System.err.println("bulwark: alert sink failed: " + e);
                }
            }
            fastPath.after(r);
        };
    }

    /** Once the sensor runs: the evidence capture gets its process table, and the command spool starts. */
    void started(Sensor sensor) {
        if (up.evidenceDir != null) {
            ContainerTimeline timeline = new ContainerTimeline(ContainerTimeline.Limits.defaults());
            sensor.timeline(timeline);
            EvidenceCapture cap = new EvidenceCapture(EvidenceCapture.Options.defaults(up.evidenceDir), sensor.processes(), timeline, node);
            capture = cap;
            fastPath.evidence(new Evidence() {
                @Override
                public Object snapshot(AlertDetail alert) {
                    return cap.snapshot(alert);
                }

                @Override
                public void complete(Object snapshot, AlertDetail appended) {
                    EvidenceCapture.Snapshot s = ((EvidenceCapture.Snapshot) snapshot).appended(appended);
                    cap.complete(s).whenComplete((dir, e) -> System.err.println(e == null
                            ? "bulwark up: evidence of incident " + s.incident() + " complete in " + dir + " (snapshot "
                                    + String.format("%.1f", s.costNanos() / 1e6) + " ms on the decoder thread)"
                            : "bulwark up: evidence of incident " + s.incident() + " FAILED: " + e));
                }
            });
        }
        if (up.commandsDir != null) {
            try {
                spool = new CommandSpool(up.commandsDir, actions, r -> {
                    if ("thaw".equals(r.action()) && ActionRecord.DONE.equals(r.result()) && r.target() != null) {
                        fastPath.thawed(r.target().container());
                    }
                }, 1000).start();
            } catch (IOException e) {
                System.err.println("bulwark up: command channel off: " + e.getMessage());
            }
        }
    }

    String describe() {
        if (up.noRespond) {
            return "response off (--no-respond)";
        }
        return "response: " + policy.describe() + (up.dryRun ? " as a dry run" : "")
                + (up.commandsDir == null ? "" : ", commands from " + up.commandsDir);
    }

    @Override
    public void close() {
        if (spool != null) {
            spool.close();
        }
        if (capture != null) {
            capture.close();
        }
        if (actionLog != null) {
            actionLog.close();
        }
    }

    /** The spool's directories, 0700. */
    static final class CommandSpoolDirs {
        static void create(Path dir) throws IOException {
            java.nio.file.Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        }
    }
}
