package io.bulwark.sensor.rules.fields;

/** Value types of rule fields, as Falco types them (names shown in docs/fields.md). */
public enum FieldType {
    /** Text. */
    STRING("string"),
    /** Signed 64-bit integer (Falco's int/uint, reltime, abstime). */
    NUMBER("number"),
    /** true or false. */
    BOOL("bool"),
    /** An IPv4 or IPv6 address; compares equal to an address or to a CIDR containing it. */
    IPADDR("ipaddr"),
    /** An address compared against networks ({@code fd.net = 10.0.0.0/8}). */
    IPNET("ipnet"),
    /**
     * A set of strings (capabilities). {@code in} means every element is in the set, {@code intersects}
     * one of them is; the other operators see the space-joined text, as Falco's string fields do.
     */
    LIST("list"),
    /**
     * One value per ancestor ({@code proc.aname} without index): a comparison is true when it is true
     * for any ancestor, as in Falco.
     */
    ANCESTORS("list (any ancestor)"),
    /** Whatever the event carries ({@code evt.arg.*}): numbers compare as numbers, the rest as text. */
    DYNAMIC("dynamic");

    private final String doc;

    FieldType(String doc) {
        this.doc = doc;
    }

    public String doc() {
        return doc;
    }
}
