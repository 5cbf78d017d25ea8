package io.bulwark.sensor.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The packaged `bulwark up` as a process: its standard output line by line, its standard error in DIR/NAME.err. */
final class UpProcess implements AutoCloseable {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final Path err;

    UpProcess(Path dir, String name, String... upArgs) throws Exception {
        Path jar = Path.of(System.getProperty("bulwark.jar", "target/quarkus-app/quarkus-run.jar"));
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", jar.toString(), "up"));
        cmd.addAll(List.of(upArgs));
        err = dir.resolve(name + ".err");
        process = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                }
            } catch (Exception ignored) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    /** The next line of standard output within {@code seconds}, or null. */
    String next(long seconds) throws InterruptedException {
        return lines.poll(seconds, TimeUnit.SECONDS);
    }

    /** SIGTERM, then SIGKILL after 10 s, if it still runs. */
    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
