package io.bulwark.functions.respond.act.notify;

import java.util.Map;
import java.util.function.Function;

/**
 * Resolves a secret reference ({@code env:NAME}) to the secret. Playbooks and audit records hold only the
 * reference; the secret is used for the call and never logged or recorded. {@code arn:aws:secretsmanager:…} and
 * {@code ssm:/…} are refused with a clear message in this build (put the secret in the function's environment,
 * from Secrets Manager by infra/, and reference it as {@code env:NAME}).
 */
public final class Secrets {
    private final Function<String, String> env;

    public Secrets(Function<String, String> env) {
        this.env = env;
    }

    public static Secrets fromEnvironment() {
        return new Secrets(System::getenv);
    }

    public static Secrets of(Map<String, String> values) {
        return new Secrets(values::get);
    }

    /** The secret, or an exception saying why not (naming the reference, never a value). */
    public String resolve(String ref) {
        if (ref == null || ref.isBlank()) throw new IllegalArgumentException("no secret reference given");
        if (ref.startsWith("env:")) {
            String v = env.apply(ref.substring(4));
            if (v == null || v.isBlank()) throw new IllegalArgumentException("secret " + ref + ": the variable is not set in this process");
            return v;
        }
        if (ref.startsWith("arn:aws:secretsmanager:") || ref.startsWith("ssm:")) {
            throw new IllegalArgumentException("secret " + ref + ": Secrets Manager and SSM references are not resolved by this build; "
                    + "give the function the value as an environment variable and reference it as env:NAME");
        }
        throw new IllegalArgumentException("secret reference " + ref + " is not env:NAME, arn:aws:secretsmanager:… or ssm:/…");
    }
}
