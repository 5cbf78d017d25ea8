package io.bulwark.response.action;

import java.util.List;
import java.util.Optional;

/**
 * An action a playbook step can name: what it does and what it accepts. The descriptor only; the code
 * that acts is an {@link ActionExecutor} registered at runtime in {@link Executors} by the process that
 * can act (the sensor for {@code node.*}, the respond function for the rest).
 */
public interface Action {
    /** {@code scope.verb}, as steps write it: {@code node.freeze}. */
    String name();

    /** One line for {@code actions list}. */
    String description();

    /** Where it acts (the name's prefix). */
    Scope scope();

    /** What it acts on. */
    TargetKind target();

    /** True for {@code node.*}: the sensor runs it itself, on the fast path when it comes before every non-node step. */
    default boolean nodeLocal() {
        return scope() == Scope.NODE;
    }

    /** True when it changes the workload or infrastructure (not evidence, notify, export). Mutating actions honour
     * protected namespaces and count against the rate limits. */
    boolean mutating();

    /** True for containment (freeze, kill, isolate, quarantine, …): must come after {@code node.evidence} in a playbook that has it. */
    boolean containment();

    /** True when it destroys state evidence would need (kill, stop, delete pod): a playbook must capture {@code node.evidence} before it. */
    boolean needsEvidenceFirst();

    /** True when it can be undone ({@code ./bulwark release INCIDENT}). */
    boolean reversible();

    /**
     * The catalogue action that undoes it ({@code node.freeze} → {@code node.thaw}); empty when the undo is the
     * executor's own {@link ActionExecutor#undo} (remove the label, delete the NetworkPolicy, …) or when irreversible.
     */
    Optional<String> undoAction();

    /** What undoing it does, for the catalogue ("" when irreversible). */
    String undoDescription();

    /** Its parameters, in the order the catalogue lists them. */
    List<ParamSpec> params();

    /** The parameter named {@code name}, if any. */
    default Optional<ParamSpec> param(String name) {
        return params().stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
