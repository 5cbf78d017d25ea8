package io.bulwark.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The EventBridge envelope of an escape-surface report ({@code detail-type: Escape Surface Report},
 * {@code source: bulwark.sensor}); the detail is validated by {@code schemas/audit.schema.json}.
 */
public record ReportEnvelope(
        String version,
        String id,
        @JsonProperty("detail-type") String detailType,
        String source,
        String account,
        String time,
        String region,
        List<String> resources,
        EscapeSurfaceReport detail) {

    public static ReportEnvelope of(EscapeSurfaceReport report) {
        return new ReportEnvelope("0", report.id() == null ? java.util.UUID.randomUUID().toString() : report.id(), EscapeSurfaceReport.DETAIL_TYPE,
                AlertEnvelope.SOURCE, null, report.time(), null,
                List.of("node/" + (report.node() == null ? "unknown" : report.node().hostname())), report);
    }
}
