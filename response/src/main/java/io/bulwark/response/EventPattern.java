package io.bulwark.response;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import software.amazon.event.ruler.Machine;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.event.ruler.JsonRuleCompiler;

/**
 * An EventBridge event pattern, matched with AWS's {@code event-ruler} exactly as EventBridge would
 * match the same JSON as a rule.
 */
public final class EventPattern {
    private final String json;
    private final Machine machine = new Machine();

    private EventPattern(String json) throws IOException {
        this.json = json;
        machine.addRule("p", json);
    }

    /**
     * Compiles a pattern.
     *
     * @throws IllegalArgumentException with event-ruler's own message when the pattern is not valid
     */
    public static EventPattern of(String json) {
        Error error = check(json);
        if (error != null) throw new IllegalArgumentException(error.message());
        try {
            return new EventPattern(json);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * event-ruler's complaint about a pattern.
     *
     * @param message event-ruler's message without the quoted source
     * @param line    1-based line in the pattern JSON event-ruler points at (0: unknown)
     * @param column  1-based column (0: unknown)
     */
    public record Error(String message, int line, int column) {}

    private static final Pattern WHERE = Pattern.compile("\\s*at \\[Source: .*?; line: (\\d+), column: (\\d+)\\]", Pattern.DOTALL);

    /** event-ruler's complaint about a pattern (the compiler {@code Machine.addRule} uses), or null when it is valid. */
    public static Error check(String json) {
        String raw = JsonRuleCompiler.check(json);
        if (raw == null) {
            try {
                new EventPattern(json);
                return null;
            } catch (IOException | RuntimeException e) {
                raw = String.valueOf(e.getMessage());
            }
        }
        Matcher m = WHERE.matcher(raw);
        if (m.find()) {
            String msg = (raw.substring(0, m.start()) + raw.substring(m.end())).trim();
            return new Error(msg, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
        return new Error(raw.trim(), 0, 0);
    }

    /** Whether the event (the whole envelope) matches. */
    public boolean matches(JsonNode event) {
        return !machine.rulesForJSONEvent(event).isEmpty();
    }

    /** The pattern as JSON. */
    public String json() {
        return json;
    }

    @Override
    public String toString() {
        return json;
    }
}
