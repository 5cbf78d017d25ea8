package io.bulwark.functions.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.Set;

/** The contract's JSON Schemas from the classpath, with https://bulwark.io/schemas/ resolved there (finding → cluster-audit refs). */
public final class Schemas {
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            b -> b.schemaMappers(m -> m.mapPrefix("https://bulwark.io/schemas/", "classpath:schemas/")));

    private Schemas() {}

    public static JsonSchema get(String file) {
        return FACTORY.getSchema(SchemaLocation.of("https://bulwark.io/schemas/" + file));
    }

    public static void assertValid(String file, JsonNode json) {
        Set<ValidationMessage> errors = get(file).validate(json);
        assertTrue(errors.isEmpty(), file + ": " + errors + " in " + json.toPrettyString());
    }
}
