/**
 * Response playbooks, their checker, the guardrails and the action catalogue (docs/playbooks.md).
 *
 * <h2>Load and check</h2>
 * <pre>{@code
 * PlaybookLoader.Result r = PlaybookLoader.standard().load(List.of(Path.of("playbooks/")));
 * r.problems().forEach(System.err::println);          // file:line:col: reason [code], every problem
 * List<Playbook> playbooks = r.orThrow();              // or PlaybookLoader.defaultPlaybooks()
 * }</pre>
 *
 * <h2>Run (sensor fast path, respond function, local)</h2>
 * <pre>{@code
 * Executors executors = Executors.of(new FreezeExecutor(...), new EvidenceExecutor(...));   // what this process can run
 * ResponseState state = new FileResponseState(Path.of("var/response"));                    // node; tests: InMemoryResponseState
 * Responder responder = new Responder(playbooks, executors, state, Clock.systemUTC(),
 *         Responder.Options.defaults().withPart(Responder.Part.NODE_FAST_PATH).withPrincipal("sensor@" + host));
 * Responder.EventResult result = responder.handle(alertEnvelopeJson);   // MalformedEventException for a bad event
 * result.runs().forEach(run -> run.step("freeze"));                     // StepOutcome: status DONE, DRY_RUN, REFUSED_…
 * responder.handleAll(batch);                 // per-event results; a malformed event does not stop the others
 * responder.handle(approvalEventJson);        // source bulwark.approval resumes a PENDING_APPROVAL run
 * responder.expireApprovals();                // call periodically: timed-out approvals take their default
 * responder.release(incidentId, "alice");     // undo every reversible DONE step of an incident
 * }</pre>
 * The sensor runs {@link io.bulwark.response.Playbook#fastPathSteps()} ({@code Part.NODE_FAST_PATH}); the respond
 * function runs the rest ({@code Part.REST}); {@code Part.ALL} runs everything in one process.
 */
package io.bulwark.response;
