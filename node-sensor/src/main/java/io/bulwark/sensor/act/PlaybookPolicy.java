package io.bulwark.sensor.act;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.response.Playbook;
import io.bulwark.response.PlaybookLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The playbooks' node-local part (io.bulwark.response): for every playbook whose {@code match} (an
 * EventBridge pattern, evaluated with event-ruler on the alert's envelope) matches, its leading
 * {@code node.*} steps ({@link Playbook#fastPathSteps}) whose {@code when} also matches, in order.
 * A dry run on the playbook or the step makes that step a dry run.
 */
public final class PlaybookPolicy implements ResponsePolicy {
    private final List<Playbook> playbooks;
    private final String source;

    public PlaybookPolicy(List<Playbook> playbooks, String source) {
        this.playbooks = List.copyOf(playbooks);
        this.source = source;
    }

    /** The default playbook shipped with the response library. */
    public static PlaybookPolicy defaults() {
        return new PlaybookPolicy(PlaybookLoader.defaultPlaybooks(), "classpath:playbooks/default.yaml");
    }

    /** The playbooks under {@code dir}; every problem (file:line:col: reason) in the exception's message. */
    public static PlaybookPolicy load(Path dir) {
        PlaybookLoader.Result r = PlaybookLoader.standard().load(List.of(dir));
        if (!r.ok()) {
            StringBuilder b = new StringBuilder("playbooks in " + dir + " have problems:");
            r.problems().forEach(p -> b.append("\n  ").append(p));
            throw new IllegalArgumentException(b.toString());
        }
        if (r.playbooks().isEmpty()) {
            throw new IllegalArgumentException("no playbook (*.yaml, *.yml) in " + dir);
        }
        return new PlaybookPolicy(r.playbooks(), dir.toString());
    }

    public List<Playbook> playbooks() {
        return playbooks;
    }

    /** Every namespace some playbook protects. */
    public Set<String> protectedNamespaces() {
        Set<String> s = new LinkedHashSet<>();
        for (Playbook p : playbooks) {
            if (p.guardrails() != null) {
                s.addAll(p.guardrails().protectedNamespaces());
            }
        }
        return s;
    }

    @Override
    public List<Step> nodeSteps(AlertEnvelope alert) {
        JsonNode event = null;
        List<Step> out = new ArrayList<>();
        for (Playbook p : playbooks) {
            List<io.bulwark.response.Step> fast = p.fastPathSteps();
            if (fast.isEmpty()) {
                continue;
            }
            if (event == null) {
                event = Json.mapper().valueToTree(alert);
            }
            if (!p.match().matches(event)) {
                continue;
            }
            for (io.bulwark.response.Step s : fast) {
                if (s.when() == null || s.when().matches(event)) {
                    out.add(new Step(s.action().substring("node.".length()), p.name(), p.dryRun() || s.dryRun(),
                            p.guardrails() == null ? null : p.guardrails().maxActions()));
                }
            }
        }
        return out;
    }

    @Override
    public String describe() {
        List<String> names = playbooks.stream().map(Playbook::name).toList();
        return "playbooks " + names + " from " + source;
    }
}
