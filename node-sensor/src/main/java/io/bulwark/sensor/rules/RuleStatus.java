package io.bulwark.sensor.rules;

import java.util.Locale;

/** What became of a rule: loaded (evaluated), disabled (enabled: false), unsupported, error. */
public enum RuleStatus {
    LOADED, DISABLED, UNSUPPORTED, ERROR;

    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
