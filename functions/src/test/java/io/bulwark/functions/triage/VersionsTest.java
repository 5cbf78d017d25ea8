package io.bulwark.functions.triage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Incident;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Version order and the CVE table's ranges, at their edges. */
class VersionsTest {

    @Test
    void comparesRuntimeAndKernelVersions() {
        assertTrue(Versions.compare("1.1.11", "1.1.12") < 0);
        assertTrue(Versions.compare("1.1.12", "1.1.12") == 0);
        assertTrue(Versions.compare("1.0.0-rc6", "1.0.0-rc7") < 0);
        assertTrue(Versions.compare("1.0.0-rc7", "1.0.0") < 0);
        assertTrue(Versions.compare("1.0.0-rc93", "1.1.0") < 0);
        assertTrue(Versions.compare("5.10.102", "5.10.9") > 0);
        assertTrue(Versions.compare("6.1.112-124.190.amzn2023.x86_64", "6.1.112") == 0);
        assertTrue(Versions.compare("v1.7.11", "1.7.2") > 0);
    }

    @Test
    void cveRangesHaveTheirEdges() {
        CveTable t = CveTable.load();
        assertEquals(List.of("CVE-2024-21626"), ids(t.match(Map.of("runc", "1.1.11"), null, null, List.of())));
        assertEquals(List.of(), ids(t.match(Map.of("runc", "1.1.12"), null, null, List.of())));
        assertEquals(List.of("CVE-2019-5736"), ids(t.match(Map.of("runc", "1.0.0-rc6"), null, null, List.of())));
        assertEquals(List.of(), ids(t.match(Map.of("runc", "1.0.0-rc92"), null, null, List.of())), "between the two runc CVEs");
        assertTrue(ids(t.match(Map.of(), "5.16.10", null, List.of())).contains("CVE-2022-0847"));
        assertTrue(!ids(t.match(Map.of(), "5.16.11", null, List.of())).contains("CVE-2022-0847"));
        assertTrue(!ids(t.match(Map.of(), "5.15.25", null, List.of())).contains("CVE-2022-0847"), "the 5.15 branch's fix");
        assertTrue(!ids(t.match(Map.of(), "5.4.100", null, List.of())).contains("CVE-2022-0847"), "before 5.8");
        assertTrue(ids(t.match(Map.of(), "5.15.0-76-generic", "Ubuntu 22.04.2 LTS", List.of())).contains("CVE-2023-32629"));
        assertTrue(!ids(t.match(Map.of(), "5.15.0-76", "Debian GNU/Linux 12", List.of())).contains("CVE-2023-32629"), "Ubuntu's own bug");
        assertEquals(List.of("CVE-2020-15257"), ids(t.match(Map.of("containerd", "1.4.2"), null, null, List.of())));
        assertEquals(List.of(), ids(t.match(Map.of("containerd", "1.3.9"), null, null, List.of())));
        List<Incident.Cve> byVector = t.match(Map.of(), null, null, List.of("runc-exe-overwrite"));
        assertTrue(byVector.stream().anyMatch(c -> c.id().equals("CVE-2019-5736") && c.match().equals("vector")), byVector.toString());
        assertEquals("1.1.12", t.fixedFor("CVE-2024-21626", "1.1.11"));
    }

    static List<String> ids(List<Incident.Cve> cves) {
        return cves.stream().map(Incident.Cve::id).toList();
    }
}
