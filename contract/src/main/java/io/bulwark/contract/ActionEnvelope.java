package io.bulwark.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * The EventBridge envelope of a node action's audit record ({@code detail-type: Bulwark Action},
 * {@code source: bulwark.sensor}); the detail is validated by {@code schemas/action.schema.json}.
 */
public record ActionEnvelope(
        String version,
        String id,
        @JsonProperty("detail-type") String detailType,
        String source,
        String account,
        String time,
        String region,
        List<String> resources,
        ActionRecord detail) {

    public static final String DETAIL_TYPE = "Bulwark Action";

    public static ActionEnvelope of(ActionRecord r) {
        List<String> resources = new ArrayList<>();
        if (r.node() != null) {
            if (r.node().instanceId() != null) {
                resources.add("ec2-instance/" + r.node().instanceId());
            }
            resources.add("node/" + r.node().hostname());
        }
        if (r.target() != null && r.target().container() != null) {
            resources.add("container/" + r.target().container());
        }
        if (r.target() != null && r.target().pod() != null) {
            resources.add("pod/" + r.target().namespace() + "/" + r.target().pod());
        }
        return new ActionEnvelope("0", r.id(), DETAIL_TYPE, AlertEnvelope.SOURCE, null, r.time(), null, resources, r);
    }
}
