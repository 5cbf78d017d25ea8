package io.bulwark.response.action;

/** The type of an action parameter as a playbook writes it. */
public enum ParamType {
    /** any string */
    STRING,
    /** a whole number */
    INT,
    /** true or false */
    BOOL,
    /** {@code 30s}, {@code 5m}, {@code 1h}, or ISO-8601 */
    DURATION,
    /** one of the listed values */
    ENUM,
    /** a list of strings */
    STRING_LIST,
    /**
     * A reference to a secret, never the secret: {@code env:NAME} (an environment variable of the
     * process that runs the action), {@code arn:aws:secretsmanager:…} or {@code ssm:/parameter/name}.
     * Playbooks and audit records hold only the reference.
     */
    SECRET_REF;

    /** The name used in output ({@code secret-ref}). */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
