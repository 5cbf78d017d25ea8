package io.bulwark.sensor.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.EscapeSurfaceReport.Band;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsTest {

    @Test
    void defaultsGiveEveryCatalogueFactorAWeightAndNothingElse() {
        assertEquals(FactorCatalog.all().keySet(), Weights.defaults().points().keySet());
        assertEquals(25, Weights.defaults().medium());
        assertEquals(50, Weights.defaults().high());
    }

    @Test
    void bandsFollowTheThresholdsAndPrivilegedIsAlwaysHigh() {
        Weights w = Weights.defaults();
        assertEquals(Band.LOW, w.band(24, false));
        assertEquals(Band.MEDIUM, w.band(25, false));
        assertEquals(Band.MEDIUM, w.band(49, false));
        assertEquals(Band.HIGH, w.band(50, false));
        assertEquals(Band.HIGH, w.band(0, true));
    }

    @Test
    void userFileOverridesASubset(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("w.yaml");
        Files.writeString(f, "# stricter\nbands:\n  medium: 10\nweights:\n  no-seccomp: 40\n");
        Weights w = Weights.load(f);
        assertEquals(40, w.of("no-seccomp"));
        assertEquals(45, w.of("cap-sys-admin"), "untouched keys keep their default");
        assertEquals(10, w.medium());
        assertEquals(50, w.high());
    }

    @Test
    void rejectsUnknownFactorWithFileAndLine(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("w.yaml");
        Files.writeString(f, "weights:\n  no-seccomp: 10\n  cap-sys-admn: 40\n");
        WeightsException e = assertThrows(WeightsException.class, () -> Weights.load(f));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().startsWith(f + ":3: unknown factor 'cap-sys-admn'"), e.getMessage());
    }

    @Test
    void rejectsNonNumericAndOutOfRangeWeightsWithLine(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("w.yaml");
        Files.writeString(f, "weights:\n  privileged: lots\n");
        assertEquals(f + ":2: privileged: 'lots' is not a whole number from 0 to 100",
                assertThrows(WeightsException.class, () -> Weights.load(f)).getMessage());
        Files.writeString(f, "weights:\n  privileged: 101\n");
        assertEquals(2, assertThrows(WeightsException.class, () -> Weights.load(f)).line());
    }

    @Test
    void rejectsInvertedBands(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("w.yaml");
        Files.writeString(f, "bands:\n  medium: 60\n  high: 40\n");
        WeightsException e = assertThrows(WeightsException.class, () -> Weights.load(f));
        assertEquals(1, e.line());
        assertTrue(e.reason().contains("medium < high"), e.reason());
    }

    @Test
    void rejectsBrokenYamlWithLine(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("w.yaml");
        Files.writeString(f, "weights:\n  privileged: 60\n  host-pid: [30\n");
        WeightsException e = assertThrows(WeightsException.class, () -> Weights.load(f));
        assertTrue(e.line() >= 3, "line " + e.line());
        assertTrue(e.reason().startsWith("not valid YAML"), e.reason());
    }

    @Test
    void rejectsUnknownTopLevelKey(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("w.yaml");
        Files.writeString(f, "weights:\n  privileged: 60\nthresholds:\n  high: 70\n");
        assertEquals(f + ":3: unknown key 'thresholds' (expected 'bands' or 'weights')",
                assertThrows(WeightsException.class, () -> Weights.load(f)).getMessage());
    }

    @Test
    void missingFileIsNamed() {
        WeightsException e = assertThrows(WeightsException.class, () -> Weights.load(Path.of("/nonexistent/w.yaml")));
        assertTrue(e.getMessage().startsWith("/nonexistent/w.yaml: cannot read"), e.getMessage());
    }
}
