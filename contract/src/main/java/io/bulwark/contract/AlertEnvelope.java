package io.bulwark.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The EventBridge envelope every sensor alert travels in. Field names follow EventBridge
 * exactly (hence {@code detail-type}), so the same JSON is what PutEvents carries and what
 * EventBridge rules (and {@code event-ruler}) match on.
 */
public record AlertEnvelope(
        String version,
        String id,
        @JsonProperty("detail-type") String detailType,
        String source,
        String account,
        String time,
        String region,
        List<String> resources,
        AlertDetail detail) {

    public static final String SOURCE = "bulwark.sensor";
    public static final String DETAIL_TYPE = "Container Escape Alert";
}
