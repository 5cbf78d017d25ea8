package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The environment checks' messages and settings. The end-to-end runs of the packaged sensor with a
 * missing BTF file, a missing libbpf and an unmounted tracefs are in {@code cli.BadEnvironmentIT}.
 */
class EnvironmentTest {

    @Test
    void thisKernelsBtfPasses() {
        assertDoesNotThrow(() -> Environment.checkBtf(Environment.DEFAULT_BTF));
    }

    @Test
    void missingBtfNamesTheFileAndTheKernelConfig(@TempDir Path dir) {
        Path btf = dir.resolve("vmlinux");
        EnvironmentException e = assertThrows(EnvironmentException.class, () -> Environment.checkBtf(btf));
        assertTrue(e.getMessage().startsWith(btf + " is missing: this kernel exposes no BTF"), e.getMessage());
        assertTrue(e.getMessage().contains("CONFIG_DEBUG_INFO_BTF=y"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void aFileThatIsNotBtfIsRejected(@TempDir Path dir) throws Exception {
        Path notBtf = Files.writeString(dir.resolve("vmlinux"), "ELF or anything else");
        EnvironmentException e = assertThrows(EnvironmentException.class, () -> Environment.checkBtf(notBtf));
        assertTrue(e.getMessage().contains("is not BTF data"), e.getMessage());
        assertTrue(e.getMessage().contains("CONFIG_DEBUG_INFO_BTF=y"), e.getMessage());
        Path empty = Files.createFile(dir.resolve("empty"));
        assertThrows(EnvironmentException.class, () -> Environment.checkBtf(empty));
    }

    @Test
    void settingsMoveTheBtfPathAndTheLibbpfLibrary() {
        assertEquals(Environment.DEFAULT_BTF, Environment.btfPath());
        assertEquals(Environment.DEFAULT_LIBBPF, Environment.libbpfCandidates());
        try {
            System.setProperty(Environment.BTF_PROPERTY, "/elsewhere/vmlinux");
            System.setProperty(Environment.LIBBPF_PROPERTY, "/opt/libbpf/libbpf.so.1");
            assertEquals(Path.of("/elsewhere/vmlinux"), Environment.btfPath());
            assertEquals(List.of("/opt/libbpf/libbpf.so.1"), Environment.libbpfCandidates(), "a set library is the only one tried");
        } finally {
            System.clearProperty(Environment.BTF_PROPERTY);
            System.clearProperty(Environment.LIBBPF_PROPERTY);
        }
    }

    @Test
    void libbpfMessageNamesTheLibraryAndThePackage() {
        String m = Environment.libbpfMissing(List.of("/opt/x/libbpf.so.1"), new UnsatisfiedLinkError("cannot open shared object file\nLibrary names\n[x]"));
        assertTrue(m.startsWith("libbpf 1.x not found: cannot load /opt/x/libbpf.so.1 (set by bulwark.libbpf/BULWARK_LIBBPF)"), m);
        assertTrue(m.contains("cannot open shared object file"), m);
        assertTrue(m.contains("apt-get install libbpf1"), m);
        assertTrue(!m.contains("\n"), "one line: " + m);
        String d = Environment.libbpfMissing(Environment.DEFAULT_LIBBPF, null);
        assertTrue(d.startsWith("libbpf 1.x not found: cannot load libbpf.so.1;"), d);
    }

    @Tag("kernel")
    @Test
    void tracefsIsMountedHere() {
        assertTrue(Environment.ensureTracefs(), "tracefs mounted (or mountable) at " + Environment.TRACEFS);
        assertTrue(Environment.tracefsMounted());
    }
}
