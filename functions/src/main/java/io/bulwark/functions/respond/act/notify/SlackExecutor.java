package io.bulwark.functions.respond.act.notify;

import io.bulwark.contract.Json;
import io.bulwark.functions.respond.act.Params;
import io.bulwark.response.action.ActionExecutor;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.util.Map;

/** {@code notify.slack}: posts the summary to a Slack incoming webhook ({@code {"text": …}}; Slack answers 200 "ok"). */
public final class SlackExecutor implements ActionExecutor {
    private final Secrets secrets;

    public SlackExecutor(Secrets secrets) {
        this.secrets = secrets;
    }

    @Override
    public String action() {
        return "notify.slack";
    }

    @Override
    public ActionResult execute(ActionRequest r) throws Exception {
        String url = secrets.resolve(Params.string(r, "webhook"));
        String mention = Params.string(r, "mention");
        String text = (mention == null ? "" : mention + " ") + "*" + Summary.title(r) + "*\n```" + Summary.text(r) + "```";
        var a = HttpPost.json(url, Json.line(Map.of("text", text)));
        if (a.status() / 100 != 2) return ActionResult.failed("Slack answered HTTP " + a.status() + ": " + HttpPost.clip(a.body()));
        return ActionResult.done("posted to Slack (webhook " + Params.string(r, "webhook") + ")");
    }
}
