package io.bulwark.sensor;

import io.bulwark.contract.SensorEvent;
import java.util.function.Consumer;

/**
 * Where decoded events go. {@link #accept} may return a state object (e.g. the rules' verdict);
 * an event identical to that one except for its time — same thread, syscall, arguments,
 * result, credentials and namespaces, with nothing in the process table or container state
 * changed since — is then handed to {@link #repeat} with that state instead of being decoded and
 * evaluated again ({@link RepeatCache}). A flood of identical syscalls costs a comparison per event.
 */
public interface EventSink {
    Object accept(SensorEvent event);

    default void repeat(SensorEvent event, Object state) {
        accept(event);
    }

    static EventSink of(Consumer<SensorEvent> consumer) {
        return e -> {
            consumer.accept(e);
            return null;
        };
    }
}
