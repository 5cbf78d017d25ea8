import io.bulwark.response.PlaybookLoader;
import io.bulwark.response.Responder;
import io.bulwark.response.action.ActionExecutor;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import io.bulwark.response.action.Executors;
import io.bulwark.response.state.FileResponseState;
import io.bulwark.response.state.InMemoryResponseState;
import io.bulwark.response.state.ResponseState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;

/**
 * The responder's own cost on the sensor's fast path: the default playbook's node steps (evidence, freeze) with
 * executors that do nothing, so what is timed is matching, guardrails, idempotency claims and audit records.
 * Args: EVENT.json STATE_DIR N mem|fsync|nofsync. One new incident per event.
 */
public class ResponderBench {
    public static void main(String[] a) throws Exception {
        String template = Files.readString(Path.of(a[0]));
        String incident = Responder.incidentOf(Responder.parseEvent(template));
        int n = Integer.parseInt(a[2]);
        ResponseState state = switch (a[3]) {
            case "mem" -> new InMemoryResponseState();
            case "fsync" -> new FileResponseState(Files.createTempDirectory(Path.of(a[1]), "state"), true);
            default -> new FileResponseState(Files.createTempDirectory(Path.of(a[1]), "state"), false);
        };
        Responder r = new Responder(PlaybookLoader.defaultPlaybooks(), Executors.of(noop("node.evidence"), noop("node.freeze")), state,
                Clock.systemUTC(), Responder.Options.defaults().withPart(Responder.Part.NODE_FAST_PATH).withGlobalLimit(null));
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            String e = template.replace(incident, "bench-" + i);
            long s = System.nanoTime();
            r.handle(e);
            t[i] = System.nanoTime() - s;
        }
        long[] last = Arrays.copyOfRange(t, Math.max(0, n - 500), n);
        Arrays.sort(last);
        System.out.printf("%-8s last %d of %d incidents: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", a[3], last.length, n,
                last[last.length / 2] / 1e6, last[(int) (last.length * 0.99)] / 1e6, last[last.length - 1] / 1e6);
    }

    private static ActionExecutor noop(String action) {
        return new ActionExecutor() {
            @Override
            public String action() {
                return action;
            }

            @Override
            public ActionResult execute(ActionRequest request) {
                return ActionResult.done("nothing (bench)");
            }
        };
    }
}
