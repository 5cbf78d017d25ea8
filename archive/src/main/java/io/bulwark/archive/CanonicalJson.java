package io.bulwark.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The bytes a manifest signature covers: the manifest without its {@code signature} member, as
 * JSON with object members sorted by name (recursively), no insignificant whitespace, UTF-8, strings
 * escaped as Jackson escapes them, numbers as Jackson writes them (the manifests carry integers and
 * strings only). The stored manifest may be pretty-printed: the signature does not depend on layout.
 */
public final class CanonicalJson {
    private CanonicalJson() {}

    public static byte[] bytes(JsonNode n) {
        StringBuilder sb = new StringBuilder();
        write(n, sb);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The signed bytes of a manifest: everything but {@code signature}. */
    public static byte[] signedBytes(JsonNode manifest) {
        ObjectNode copy = ((ObjectNode) manifest).deepCopy();
        copy.remove("signature");
        return bytes(copy);
    }

    private static void write(JsonNode n, StringBuilder sb) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            sb.append("null");
        } else if (n.isObject()) {
            List<String> names = new ArrayList<>();
            n.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            sb.append('{');
            boolean first = true;
            for (String name : names) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(Json.line(JsonNodeFactory.instance.textNode(name))).append(':');
                write(n.get(name), sb);
            }
            sb.append('}');
        } else if (n.isArray()) {
            sb.append('[');
            for (int i = 0; i < n.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(n.get(i), sb);
            }
            sb.append(']');
        } else {
            sb.append(Json.line(n));
        }
    }
}
