package io.bulwark.sensor.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.sensor.rules.fields.FieldDef;
import io.bulwark.sensor.rules.fields.FieldRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/fields.md documents exactly the fields the registry provides. */
class FieldsDocTest {

    @Test
    void fieldsDocListsEveryRegisteredFieldAndNoOther() throws Exception {
        Path doc = Path.of("../docs/fields.md");
        assertTrue(Files.exists(doc), "docs/fields.md is missing (looked at " + doc.toAbsolutePath() + ")");
        String text = Files.readString(doc);
        List<String> documented = new ArrayList<>();
        Matcher m = Pattern.compile("^\\| `([a-z0-9_.*]+)(\\[…\\])?` \\|", Pattern.MULTILINE).matcher(text);
        while (m.find()) {
            documented.add(m.group(1));
        }
        List<String> registered = FieldRegistry.standard().all().stream().map(FieldDef::name).toList();
        List<String> missing = registered.stream().filter(f -> !documented.contains(f)).toList();
        List<String> extra = documented.stream().filter(f -> !registered.contains(f)).toList();
        assertEquals(List.of(), missing, "registered but not documented");
        assertEquals(List.of(), extra, "documented but not registered");
    }
}
