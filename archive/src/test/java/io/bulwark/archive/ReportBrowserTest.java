package io.bulwark.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report in a real browser: headless Chromium (Debian's package) loads report.html from disk with
 * the network off, the rendered DOM has every section filled, and a screenshot goes to docs/img/report.png.
 */
class ReportBrowserTest {
    @TempDir
    Path tmp;

    static String chromium() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        fail("install chromium (Debian: apt-get install -y chromium) for the report's browser test");
        return null;
    }

    private String browser(Path profile, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--no-first-run", "--proxy-server=127.0.0.1:9", "--hide-scrollbars"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(tmp.resolve("chromium.err").toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish in 120 s");
        }
        assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(tmp.resolve("chromium.err")));
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void theReportRendersEverySectionFilledWithNoNetwork() throws Exception {
        Path dir = tmp.resolve("var/archive/bulwark-archive");
        LocalStore store = new LocalStore(dir);
        LocalKeySigner signer = LocalKeySigner.open(tmp.resolve("var/keys/archive-ed25519.key"));
        Spool s = Spool.typical(tmp.resolve("evidence"), "7f1c2a9e-5b0d-8e4f-9a61-2c3d4e5f6a7b", "2026-12-07T02:00:00.000Z").write();
        Ingest.upload(store, s.dir, signer, "bulwark ship on node-a", null);
        Path html = tmp.resolve("report.html");
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        assertEquals(0, ArchiveCommand.run(new String[] {"report", s.id, "-o", html.toString(), "--store", dir.toString()},
                new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(o, true, StandardCharsets.UTF_8)), o.toString());

        String dom = browser(tmp.resolve("profile1"), "--dump-dom", html.toUri().toString());
        Map<String, String> mustShow = Map.of(
                "summary", "ns-enter-host",
                "root-cause", "containerd.sock",
                "timeline", "setns",
                "process-tree", "offender",
                "actions", "frozen",
                "artifacts", Hashes.file(s.dir.resolve("changed-files.tar.gz")));
        for (var e : mustShow.entrySet()) {
            Matcher m = Pattern.compile("<section id=\"" + e.getKey() + "\">(.*?)</section>", Pattern.DOTALL).matcher(dom);
            assertTrue(m.find(), "the rendered page has no section#" + e.getKey());
            assertTrue(m.group(1).contains(e.getValue()), "section#" + e.getKey() + " lacks '" + e.getValue() + "': " + m.group(1));
        }

        Path png = tmp.resolve("report.png");
        browser(tmp.resolve("profile2"), "--screenshot=" + png, "--window-size=1200,1900", html.toUri().toString());
        byte[] img = Files.readAllBytes(png);
        assertTrue(img.length > 20_000 && img[1] == 'P' && img[2] == 'N' && img[3] == 'G', "not a PNG screenshot: " + img.length + " bytes");
        Path docs = Path.of("..", "docs", "img");
        if (Files.isDirectory(docs.getParent())) {
            Files.createDirectories(docs);
            Files.write(docs.resolve("report.png"), img);
        }
    }
}
