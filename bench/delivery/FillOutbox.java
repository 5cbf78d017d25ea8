import io.bulwark.outbox.OutboxWriter;
import io.bulwark.outbox.Rank;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** bench/delivery.sh's load: N alert envelopes of about 1.5 KiB appended to an outbox; prints the append rate. */
public class FillOutbox {
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int n = Integer.parseInt(a[1]);
        String pad = "x".repeat(1200);
        long t0 = System.nanoTime();
        try (OutboxWriter w = new OutboxWriter(dir, 4 << 20, 1L << 30, 50, null)) {
            for (int i = 0; i < n; i++) {
                String id = "bench-" + i;
                String env = "{\"version\":\"0\",\"id\":\"" + id + "\",\"detail-type\":\"Container Escape Alert\",\"source\":\"bulwark.sensor\","
                        + "\"time\":\"2026-12-07T01:00:00Z\",\"resources\":[\"node/bench\"],\"detail\":{\"id\":\"" + id
                        + "\",\"priority\":\"WARNING\",\"rule\":\"Bench\",\"output\":\"" + pad + "\"}}";
                w.append(Rank.WARNING, id, env.getBytes(StandardCharsets.UTF_8));
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("appended %d alerts in %.2f s: %.0f alerts/s%n", n, s, n / s);
    }
}
