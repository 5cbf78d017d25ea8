package io.bulwark.sensor.rules;

/** What went wrong, with Falco's loader codes where Falco has one. */
public enum ProblemCode {
    LOAD_ERR_FILE_READ(true, "the file cannot be read"),
    LOAD_ERR_YAML_PARSE(true, "the file is not valid YAML"),
    LOAD_ERR_YAML_VALIDATE(true, "an item is malformed (missing key, wrong type)"),
    LOAD_ERR_COMPILE_CONDITION(true, "a condition does not parse or compile"),
    LOAD_ERR_COMPILE_OUTPUT(true, "an output does not compile"),
    LOAD_ERR_VALIDATE(true, "an item is inconsistent (append to nothing, bad exception, bad priority)"),
    LOAD_UNSUPPORTED_FIELD(false, "a rule uses a Falco field Bulwark does not provide; the rule is not loaded"),
    LOAD_UNSUPPORTED_SOURCE(false, "a rule is for an event source other than syscall; the rule is not loaded"),
    LOAD_UNKNOWN_ITEM(false, "an item of an unknown kind was ignored"),
    LOAD_UNKNOWN_KEY(false, "an unknown key in an item was ignored"),
    LOAD_UNUSED_MACRO(false, "a macro no rule uses"),
    LOAD_UNUSED_LIST(false, "a list no rule or macro uses"),
    LOAD_NO_EVTTYPE(false, "a rule not restricted to event types is evaluated on every event"),
    LOAD_NEVER_MATCHES(false, "a rule whose evt.type tests cannot all hold"),
    LOAD_ARG_NOT_CARRIED(false, "a condition tests an evt.arg that only other event types than its own carry: that test never has a value"),
    LOAD_UNCHECKED_REQUIREMENT(false, "a required engine or plugin version is accepted without checking");

    private final boolean error;
    private final String meaning;

    ProblemCode(boolean error, String meaning) {
        this.error = error;
        this.meaning = meaning;
    }

    public boolean isError() {
        return error;
    }

    public String meaning() {
        return meaning;
    }
}
