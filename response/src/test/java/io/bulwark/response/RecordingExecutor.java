package io.bulwark.response;

import io.bulwark.response.action.ActionExecutor;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A test executor that records every request and answers with a fixed behaviour. The real executors (cgroup freeze,
 * fabric8, EC2) belong to other modules; the responder's guardrails are what these tests exercise, and "was the
 * executor called, with what" is exactly what a guardrail decides.
 */
final class RecordingExecutor implements ActionExecutor {
    final String action;
    final List<ActionRequest> calls = new CopyOnWriteArrayList<>();
    private final Function<ActionRequest, ActionResult> behaviour;

    RecordingExecutor(String action, Function<ActionRequest, ActionResult> behaviour) {
        this.action = action;
        this.behaviour = behaviour;
    }

    static RecordingExecutor ok(String action) {
        return new RecordingExecutor(action, r -> ActionResult.done(action + " on " + r.target()));
    }

    static RecordingExecutor failing(String action) {
        return new RecordingExecutor(action, r -> ActionResult.failed(action + " failed on " + r.target()));
    }

    static RecordingExecutor throwing(String action) {
        return new RecordingExecutor(action, r -> {
            throw new IllegalStateException("cgroup.freeze: Permission denied");
        });
    }

    @Override
    public String action() {
        return action;
    }

    @Override
    public ActionResult execute(ActionRequest request) {
        calls.add(request);
        return behaviour.apply(request);
    }
}
