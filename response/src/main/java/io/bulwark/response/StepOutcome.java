package io.bulwark.response;

/**
 * One step's outcome in a run.
 *
 * @param step    step id
 * @param action  action name
 * @param status  what became of it
 * @param target  the target read from the event (null when none)
 * @param dryRun  true when the step ran (or would have) as a dry run
 * @param message one line
 */
public record StepOutcome(String step, String action, StepStatus status, String target, boolean dryRun, String message) {}
