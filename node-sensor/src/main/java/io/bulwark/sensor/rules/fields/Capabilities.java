package io.bulwark.sensor.rules.fields;

import java.util.List;

/** Capability masks as lists of CAP_ names, for the thread.cap_* fields (see io.bulwark.contract.Capabilities). */
public final class Capabilities {
    private Capabilities() {}

    public static List<String> names(long mask) {
        return io.bulwark.contract.Capabilities.names(mask);
    }
}
