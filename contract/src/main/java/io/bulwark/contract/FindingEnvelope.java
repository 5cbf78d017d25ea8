package io.bulwark.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The EventBridge envelope of an {@link EscapeSurfaceFinding} ({@code source: bulwark.audit},
 * {@code detail-type: Escape Surface Finding}): what EventBridge rules and {@code event-ruler}
 * match on. Field names follow EventBridge exactly.
 */
public record FindingEnvelope(
        String version,
        String id,
        @JsonProperty("detail-type") String detailType,
        String source,
        String account,
        String time,
        String region,
        List<String> resources,
        EscapeSurfaceFinding detail) {

    public static FindingEnvelope of(EscapeSurfaceFinding finding, String account, String region, List<String> resources) {
        return new FindingEnvelope("0", finding.id(), EscapeSurfaceFinding.DETAIL_TYPE, EscapeSurfaceFinding.SOURCE,
                account, finding.time(), region, resources, finding);
    }
}
