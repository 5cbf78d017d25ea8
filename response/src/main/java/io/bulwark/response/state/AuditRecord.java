package io.bulwark.response.state;

import java.util.Map;

/**
 * One audit record: written for every step the responder considers, whatever the outcome (done, dry run,
 * refused by a guardrail, skipped, failed, waiting for approval, duplicate). JSON field names are snake_case.
 *
 * @param time      when (the responder's clock), ISO-8601
 * @param incident  incident id
 * @param eventId   the event's id (the envelope's {@code id})
 * @param playbook  who: the playbook …
 * @param step      … its step …
 * @param principal … and the principal the responder runs as (sensor@host, the function's role, the approver for a decision)
 * @param action    what
 * @param target    on what ({@code container/…}, {@code pod/ns/name}; null when the event names none)
 * @param params    with what (secret references only)
 * @param dryRun    true when nothing was changed on purpose
 * @param result    the step status ({@code DONE}, {@code DRY_RUN}, {@code REFUSED_PROTECTED_NAMESPACE}, …)
 * @param message   one line: what happened or why not
 * @param details   the executor's facts (previous security groups, …)
 */
public record AuditRecord(String time, String incident, String eventId, String playbook, String step, String principal,
        String action, String target, Map<String, Object> params, boolean dryRun, String result, String message,
        Map<String, Object> details) {}
