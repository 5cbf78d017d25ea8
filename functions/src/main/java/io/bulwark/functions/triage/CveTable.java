package io.bulwark.functions.triage;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Incident;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The curated CVE table ({@code triage/cves.json}) and the matching: a CVE fits when the node's version
 * of its component lies in an affected range (and, for a distribution's own bug, the node runs that
 * distribution), or when the version is unknown and the incident's vector is the CVE's technique.
 */
public final class CveTable {

    record Range(String introduced, String fixed) {}

    record Entry(String id, String component, String distro, String title, List<String> vectors, List<Range> affected,
                 String fixedIn, String reference) {}

    private final List<Entry> entries;

    private CveTable(List<Entry> entries) {
        this.entries = entries;
    }

    public static CveTable load() {
        try (InputStream in = CveTable.class.getClassLoader().getResourceAsStream("triage/cves.json")) {
            if (in == null) {
                throw new IllegalStateException("triage/cves.json is not on the classpath");
            }
            JsonNode root = Json.mapper().readTree(in);
            List<Entry> out = new ArrayList<>();
            for (JsonNode c : root.path("cves")) {
                List<Range> ranges = new ArrayList<>();
                c.path("affected").forEach(r -> ranges.add(new Range(r.path("introduced").asText("0"), r.path("fixed").asText())));
                List<String> vectors = new ArrayList<>();
                c.path("vectors").forEach(v -> vectors.add(v.asText()));
                out.add(new Entry(c.path("id").asText(), c.path("component").asText(), c.path("distro").asText(null), c.path("title").asText(),
                        List.copyOf(vectors), List.copyOf(ranges), c.path("fixed_in").asText(), c.path("reference").asText()));
            }
            return new CveTable(List.copyOf(out));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read triage/cves.json", e);
        }
    }

    /**
     * The CVEs that fit.
     *
     * @param runtimes runtime versions by component (runc, containerd, docker); may be empty
     * @param kernel   the kernel release, or null
     * @param os       the node's OS image ("Ubuntu 22.04.3 LTS"), or null
     * @param vectors  the incident's vectors
     */
    public List<Incident.Cve> match(Map<String, String> runtimes, String kernel, String os, List<String> vectors) {
        List<Incident.Cve> out = new ArrayList<>();
        for (Entry e : entries) {
            String version = "kernel".equals(e.component) ? kernel : runtimes == null ? null : runtimes.get(e.component);
            boolean vectorFits = e.vectors.stream().anyMatch(vectors::contains);
            if (version != null && Versions.parseable(version)) {
                Range hit = affected(e, version);
                if (hit == null) {
                    continue;
                }
                if (e.distro != null && !isDistro(e.distro, os, kernel)) {
                    continue; // another distribution's bug
                }
                String why = e.component + " " + version + " is in the affected range " + (hit.introduced.equals("0") ? "" : hit.introduced + " ≤ ")
                        + "v < " + hit.fixed + ": " + e.title + "."
                        + (vectorFits ? " The alerts used this technique (" + String.join(", ", e.vectors.stream().filter(vectors::contains).toList()) + ")." : "")
                        + ("kernel".equals(e.component) ? " Distribution kernels backport fixes: confirm with the vendor's advisory." : "");
                out.add(new Incident.Cve(e.id, e.component, vectorFits ? "version+vector" : "version", why, e.fixedIn, e.reference));
            } else if (vectorFits && (e.distro == null || isDistro(e.distro, os, kernel))) {
                String why = "the alerts used this CVE's technique (" + String.join(", ", e.vectors.stream().filter(vectors::contains).toList())
                        + ") and the node's " + e.component + " version is unknown: " + e.title + ".";
                out.add(new Incident.Cve(e.id, e.component, "vector", why, e.fixedIn, e.reference));
            }
        }
        return List.copyOf(out);
    }

    /** The first fixed version that is at least {@code version}'s branch fix, for "patch X to ≥ V". */
    static Range affected(Entry e, String version) {
        for (Range r : e.affected) {
            if (Versions.compare(version, r.introduced) >= 0 && Versions.compare(version, r.fixed) < 0) {
                return r;
            }
        }
        return null;
    }

    private static boolean isDistro(String distro, String os, String kernel) {
        String d = distro.toLowerCase(Locale.ROOT);
        return (os != null && os.toLowerCase(Locale.ROOT).contains(d)) || (kernel != null && kernel.toLowerCase(Locale.ROOT).contains(d));
    }

    /** The fixed version that applies to {@code version} (its range's), or the entry's text. */
    public String fixedFor(String cveId, String version) {
        for (Entry e : entries) {
            if (e.id.equals(cveId)) {
                Range r = version == null || !Versions.parseable(version) ? null : affected(e, version);
                return r == null ? e.fixedIn : r.fixed;
            }
        }
        return null;
    }
}
