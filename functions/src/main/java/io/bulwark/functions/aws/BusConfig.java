package io.bulwark.functions.aws;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Where the functions publish their events ({@code bulwark.bus.*}; formerly {@code bulwark.audit.bus.*}). */
@ConfigMapping(prefix = "bulwark.bus")
public interface BusConfig {
    /** eventbridge (PutEvents) or local (in-process event-ruler matching, the embedded local mode). */
    @WithDefault("eventbridge")
    Kind kind();

    /** EventBridge bus name or ARN. */
    @WithDefault("default")
    String name();

    /** Account id written into local-bus envelopes (EventBridge fills its own). */
    Optional<String> account();

    enum Kind {
        EVENTBRIDGE, LOCAL
    }
}
