package io.bulwark.sensor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real overlay mount (as root): a container deletes an image file (the kernel leaves a whiteout in
 * the upper directory) and replaces an image directory (the kernel marks the new one opaque with
 * trusted.overlay.opaque=y). The changed-files evidence records both: the index says which paths were
 * deleted and which directories hide the image's, and the tar carries the opaque mark as a pax xattr
 * that GNU tar restores.
 */
@Tag("root")
class OverlayChangedFilesTest {
    @TempDir
    Path tmp;

    @Test
    void whiteoutsAndOpaqueDirectoriesAreRecorded() throws Exception {
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path merged = Files.createDirectories(tmp.resolve("merged"));
        Files.createDirectories(lower.resolve("etc/app"));
        Files.writeString(lower.resolve("etc/app/config"), "image config");
        Files.writeString(lower.resolve("etc/app/keys"), "image keys");
        Files.createDirectories(lower.resolve("usr/bin"));
        Files.writeString(lower.resolve("usr/bin/ps"), "the image's ps");
        ChangedFilesTest.run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work, merged.toString());
        try {
            // what a container does to hide its tracks: delete a tool, replace a directory wholesale
            Files.delete(merged.resolve("usr/bin/ps"));
            ChangedFilesTest.run("rm", "-rf", merged.resolve("etc/app").toString());
            Files.createDirectories(merged.resolve("etc/app"));
            Files.writeString(merged.resolve("etc/app/config"), "attacker config");

            Path out = tmp.resolve("c.tar");
            ChangedFiles.Result r;
            try (OutputStream o = Files.newOutputStream(out)) {
                r = ChangedFiles.write(upper, "overlay-upper", Long.MIN_VALUE, 1L << 30, o, "test", ChangedFiles.NONE);
            }
            assertEquals(List.of("usr/bin/ps"), r.whiteouts());
            assertEquals(List.of("etc/app"), r.opaqueDirs());
            Map<String, Object> ps = r.index().stream().filter(e -> "usr/bin/ps".equals(e.get("path"))).findFirst().orElseThrow();
            assertEquals("whiteout", ps.get("overlay"));
            Map<String, Object> app = r.index().stream().filter(e -> "etc/app/".equals(e.get("path"))).findFirst().orElseThrow();
            assertEquals("opaque", app.get("overlay"));
            assertEquals(Map.of("trusted.overlay.opaque", "y"), app.get("xattrs"));
            // GNU tar restores the mark (as root): the extracted tree is again a valid upper directory
            Path x = Files.createDirectories(tmp.resolve("x"));
            ChangedFilesTest.run("tar", "--xattrs", "--xattrs-include=trusted.*", "-xf", out.toString(), "-C", x.toString());
            assertEquals("y", Xattrs.get(x.resolve("etc/app"), "trusted.overlay.opaque"));
            assertEquals("attacker config", Files.readString(x.resolve("etc/app/config")));

            // the mount is listed among this process's mounts below its root, as a container's volumes are
            Map<String, Object> mounts = EvidenceCapture.containerMounts(Path.of("/proc"), (int) ProcessHandle.current().pid());
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> listed = (List<Map<String, Object>>) mounts.get("listed");
            Map<String, Object> m = listed.stream().filter(e -> merged.toString().equals(e.get("mount_point"))).findFirst()
                    .orElseThrow(() -> new AssertionError("overlay mount not listed: " + listed));
            assertEquals("overlay", m.get("fs_type"));
            assertEquals(true, m.get("writable"));
            assertEquals(false, m.get("captured"));
            assertTrue((Integer) mounts.get("pseudo_file_systems") > 0, "proc, sysfs … counted: " + mounts);
        } finally {
            new ProcessBuilder("umount", "-l", merged.toString()).inheritIO().start().waitFor();
        }
    }
}
