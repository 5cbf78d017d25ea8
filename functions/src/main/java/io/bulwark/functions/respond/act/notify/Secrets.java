package io.bulwark.functions.respond.act.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Resolves a secret reference to the secret. Playbooks and audit records hold only the reference; the secret is used
 * for the call and never logged, recorded or put in an exception message. References:
 * <ul>
 *   <li>{@code env:NAME}: a variable of the function's environment;</li>
 *   <li>{@code arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME} (GetSecretValue, the current version's string),
 *       optionally {@code #KEY} to take one field of a JSON secret ({@code …:secret:bulwark/notify-AbCdEf#slack});</li>
 *   <li>{@code ssm:/NAME}: a Systems Manager parameter (GetParameter with decryption, so SecureString works).</li>
 * </ul>
 * Values fetched from Secrets Manager or SSM are kept in memory for {@link #TTL} (a burst of notifications makes one
 * call; a rotated secret is seen within five minutes). Without a resolver for a kind (no client configured) a
 * reference of that kind is refused with a message saying what to configure.
 */
public final class Secrets {
    /** How long a fetched value is reused. */
    public static final Duration TTL = Duration.ofMinutes(5);

    private final Function<String, String> env;
    private final Function<String, String> secretsManager;
    private final Function<String, String> ssm;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(String value, Instant until) {}

    /**
     * @param env            variable name to value
     * @param secretsManager secret ARN (without {@code #KEY}) to its SecretString; null: not configured
     * @param ssm            parameter name ({@code /…}) to its decrypted value; null: not configured
     */
    public Secrets(Function<String, String> env, Function<String, String> secretsManager, Function<String, String> ssm, Clock clock) {
        this.env = env;
        this.secretsManager = secretsManager;
        this.ssm = ssm;
        this.clock = clock;
    }

    public Secrets(Function<String, String> env) {
        this(env, null, null, Clock.systemUTC());
    }

    /**
     * env:NAME from {@code env}; Secrets Manager ARNs with GetSecretValue (the current version's SecretString) and
     * ssm:/NAME with GetParameter (WithDecryption) through the clients the suppliers make on first use.
     */
    public static Secrets withAws(Function<String, String> env,
                                  java.util.function.Supplier<software.amazon.awssdk.services.secretsmanager.SecretsManagerClient> secretsManager,
                                  java.util.function.Supplier<software.amazon.awssdk.services.ssm.SsmClient> ssm, Clock clock) {
        return new Secrets(env,
                arn -> secretsManager.get().getSecretValue(b -> b.secretId(arn)).secretString(),
                name -> ssm.get().getParameter(b -> b.name(name).withDecryption(true)).parameter().value(),
                clock);
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
        if (ref.startsWith("arn:aws:secretsmanager:")) {
            int hash = ref.indexOf('#');
            String arn = hash < 0 ? ref : ref.substring(0, hash);
            String key = hash < 0 ? null : ref.substring(hash + 1);
            if (!arn.matches("arn:aws:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[A-Za-z0-9/_+=.@-]+")) {
                throw new IllegalArgumentException("secret " + ref + ": not a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME[#KEY])");
            }
            if (secretsManager == null) {
                throw new IllegalArgumentException("secret " + ref + ": Secrets Manager is not configured for this function (bulwark.respond.secrets-enabled)");
            }
            String value = fetch("sm:" + arn, () -> secretsManager.apply(arn), ref);
            return key == null ? value : field(value, key, ref);
        }
        if (ref.startsWith("ssm:")) {
            String name = ref.substring(4);
            if (!name.matches("/[A-Za-z0-9/_.-]+")) throw new IllegalArgumentException("secret " + ref + ": an SSM reference is ssm:/NAME (a parameter path)");
            if (ssm == null) throw new IllegalArgumentException("secret " + ref + ": SSM Parameter Store is not configured for this function (bulwark.respond.secrets-enabled)");
            return fetch("ssm:" + name, () -> ssm.apply(name), ref);
        }
        throw new IllegalArgumentException("secret reference " + ref + " is not env:NAME, arn:aws:secretsmanager:… or ssm:/…");
    }

    private String fetch(String cacheKey, java.util.function.Supplier<String> call, String ref) {
        Instant now = clock.instant();
        Cached c = cache.get(cacheKey);
        if (c != null && now.isBefore(c.until())) return c.value();
        String v;
        try {
            v = call.get();
        } catch (RuntimeException e) {
            // the service's error names the secret, not its value; keep only its type and first line
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new IllegalArgumentException("secret " + ref + ": could not be read: " + why, null);
        }
        if (v == null || v.isEmpty()) throw new IllegalArgumentException("secret " + ref + ": has no string value");
        cache.put(cacheKey, new Cached(v, now.plus(TTL)));
        return v;
    }

    private static String field(String json, String key, String ref) {
        JsonNode n;
        try {
            n = Json.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("secret " + ref + ": #" + key + " asks for a field, but the secret is not a JSON object");
        }
        JsonNode f = n == null ? null : n.get(key);
        if (f == null || !f.isTextual() || f.asText().isEmpty()) {
            throw new IllegalArgumentException("secret " + ref + ": the JSON secret has no string field '" + key + "'");
        }
        return f.asText();
    }
}
