package io.bulwark.response.action;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The executors this process can run, by action name. A step whose action has no executor here is recorded as
 * "not configured" (no cluster, no AWS credentials, no webhook) and the playbook goes on.
 */
public final class Executors {
    private final ActionCatalog catalog;
    private final Map<String, ActionExecutor> byAction = new ConcurrentHashMap<>();

    public Executors(ActionCatalog catalog) {
        this.catalog = catalog;
    }

    /** Executors for the standard catalogue. */
    public static Executors of(ActionExecutor... executors) {
        Executors e = new Executors(ActionCatalog.standard());
        for (ActionExecutor x : executors) e.register(x);
        return e;
    }

    /**
     * Registers an executor, replacing an earlier one for the same action.
     *
     * @throws IllegalArgumentException when the catalogue has no such action
     */
    public Executors register(ActionExecutor executor) {
        if (catalog.find(executor.action()).isEmpty()) {
            throw new IllegalArgumentException("no action '" + executor.action() + "' in the catalogue");
        }
        byAction.put(executor.action(), executor);
        return this;
    }

    /**
     * Executors for the standard catalogue from every {@link ActionExecutor.Provider} on the class path
     * ({@code ServiceLoader}). A provider that fails is skipped; its failure is in {@link #discoveryErrors()}.
     */
    public static Executors discover() {
        Executors e = new Executors(ActionCatalog.standard());
        for (var it = java.util.ServiceLoader.load(ActionExecutor.Provider.class).stream().iterator(); it.hasNext(); ) {
            var p = it.next();
            try {
                e.registerAll(p.get().executors());
            } catch (RuntimeException | ServiceConfigurationError x) {
                e.errors.add(p.type().getName() + ": " + x.getMessage());
            }
        }
        return e;
    }

    private final List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Providers that failed in {@link #discover()}, with why. */
    public List<String> discoveryErrors() {
        return List.copyOf(errors);
    }

    public Executors registerAll(Collection<? extends ActionExecutor> executors) {
        executors.forEach(this::register);
        return this;
    }

    public Optional<ActionExecutor> find(String action) {
        return Optional.ofNullable(byAction.get(action));
    }

    /** Whether {@code action} can run in this process. */
    public boolean available(String action) {
        return byAction.containsKey(action);
    }

    /** The names with an executor, sorted. */
    public List<String> availableActions() {
        return byAction.keySet().stream().sorted().toList();
    }

    public ActionCatalog catalog() {
        return catalog;
    }
}
