package io.bulwark.sensor.integrity;

import java.util.List;
import java.util.Map;

/**
 * The result of one integrity run.
 *
 * @param time        ISO-8601 time of the run
 * @param kind        {@code baseline} (first run: absolute checks only) or {@code check} (also compared with the baseline)
 * @param findings    what is wrong, most severe first
 * @param checked     per check, what was looked at (counts)
 * @param unavailable per check that could not run here, the reason
 * @param millis      how long the run took
 */
public record IntegrityReport(String time, String kind, List<Finding> findings, Map<String, Map<String, Object>> checked,
                              Map<String, String> unavailable, long millis) {}
