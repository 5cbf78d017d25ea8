package io.bulwark.sensor.audit;

import io.bulwark.contract.EscapeSurfaceReport;
import io.bulwark.contract.EscapeSurfaceReport.Band;
import io.bulwark.contract.EscapeSurfaceReport.ContainerRisk;
import io.bulwark.contract.EscapeSurfaceReport.Factor;
import java.util.ArrayList;
import java.util.List;

/** Text renderings of a report: the table, and one container explained factor by factor. */
public final class ReportPrinter {
    private static final String RESET = "\u001b[0m";
    private final boolean colour;
    private final int width;
    private final Weights weights;

    /**
     * @param colour ANSI colours (only for a terminal, and never when NO_COLOR is set)
     * @param width  columns to fit; at least 80
     */
    public ReportPrinter(boolean colour, int width, Weights weights) {
        this.colour = colour;
        this.width = Math.max(80, width);
        this.weights = weights;
    }

    /** Colour when stdout is a terminal and NO_COLOR is unset or empty (https://no-color.org). */
    public static boolean colourWanted() {
        String noColor = System.getenv("NO_COLOR");
        return System.console() != null && (noColor == null || noColor.isEmpty());
    }

    /** One line per container, highest score first, then a summary and the band thresholds. */
    public String table(EscapeSurfaceReport report) {
        StringBuilder out = new StringBuilder();
        int nameW = 24;
        boolean pods = report.containers().stream().anyMatch(r -> r.k8s() != null);
        int podW = pods ? 22 : 0;
        String header = String.format("%-6s %5s  %-10s %-" + nameW + "s " + (pods ? "%-" + podW + "s " : "%s") + "%s",
                "BAND", "SCORE", "RUNTIME", "CONTAINER", pods ? "POD" : "", "FACTORS");
        out.append(header).append('\n');
        int factorsW = width - (6 + 1 + 5 + 2 + 10 + 1 + nameW + 1 + (pods ? podW + 1 : 0));
        for (ContainerRisk r : report.containers()) {
            String pod = r.k8s() == null ? "-" : r.k8s().namespace() + "/" + r.k8s().pod();
            String band = paint(r.band(), String.format("%-6s", r.band()));
            out.append(band).append(' ')
                    .append(String.format("%5d  %-10s %-" + nameW + "s ", r.score(), cut(r.runtime(), 10),
                            cut(label(r), nameW)))
                    .append(pods ? String.format("%-" + podW + "s ", cut(pod, podW)) : "")
                    .append(factorList(r.factors(), factorsW)).append('\n');
        }
        EscapeSurfaceReport.Summary s = report.summary();
        out.append('\n').append(s.containers()).append(s.containers() == 1 ? " container: " : " containers: ")
                .append(paint(Band.HIGH, s.high() + " HIGH")).append(", ")
                .append(paint(Band.MEDIUM, s.medium() + " MEDIUM")).append(", ")
                .append(paint(Band.LOW, s.low() + " LOW")).append('\n');
        out.append("Bands: LOW < ").append(weights.medium()).append(" <= MEDIUM < ").append(weights.high())
                .append(" <= HIGH; privileged is always HIGH.\nDetails of one container: bulwark audit --explain ID\n");
        return out.toString();
    }

    /** Every factor of one container with its points, evidence, fix and control mapping. */
    public String explain(ContainerRisk r) {
        StringBuilder out = new StringBuilder();
        out.append(label(r)).append("  (").append(r.runtime()).append(", id ").append(r.id()).append(")\n");
        if (r.image() != null) {
            out.append("image: ").append(r.image()).append('\n');
        }
        if (r.k8s() != null) {
            out.append("pod: ").append(r.k8s().namespace()).append('/').append(r.k8s().pod())
                    .append(r.k8s().containerName() == null ? "" : " container " + r.k8s().containerName()).append('\n');
        }
        out.append("score ").append(r.score()).append(" -> ").append(paint(r.band(), r.band().name()))
                .append(" (").append(r.band().action()).append(")\n");
        if (r.factors().isEmpty()) {
            out.append("\nno escape factors found\n");
        }
        int sum = 0;
        for (Factor f : r.factors()) {
            sum += f.weight();
            out.append('\n').append(String.format("%+4d  %-22s %s%n", f.weight(), f.id(), f.title()));
            wrap(out, "evidence: " + f.evidence());
            wrap(out, "fix: " + f.remediation());
            List<String> maps = new ArrayList<>();
            if (f.pss() != null) {
                maps.add("PSS " + f.pss());
            }
            if (f.kubescape() != null) {
                maps.add("kubescape " + f.kubescape());
            }
            if (!maps.isEmpty()) {
                wrap(out, String.join("; ", maps));
            }
        }
        if (!r.factors().isEmpty()) {
            out.append('\n').append(String.format("%4d  total%s%n", sum, sum > 100 ? " (score capped at 100)" : ""));
        }
        return out.toString();
    }

    /** Words wrapped to the width: first line indented 6, continuation lines 8. */
    private void wrap(StringBuilder out, String text) {
        String indent = "      ";
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && indent.length() + line.length() + 1 + word.length() > width) {
                out.append(indent).append(line).append('\n');
                line.setLength(0);
                indent = "        ";
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            out.append(indent).append(line).append('\n');
        }
    }

    private static String label(ContainerRisk r) {
        return r.name() == null || r.name().equals(r.id()) ? shortId(r.id()) : r.name();
    }

    private static String shortId(String id) {
        return id.length() == 64 && id.matches("[0-9a-f]+") ? id.substring(0, 12) : id;
    }

    private static String factorList(List<Factor> factors, int max) {
        if (factors.isEmpty()) {
            return "-";
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < factors.size(); i++) {
            String next = (i == 0 ? "" : ", ") + factors.get(i).id();
            String more = ", +" + (factors.size() - i - 1);
            boolean last = i == factors.size() - 1;
            if (s.length() + next.length() + (last ? 0 : more.length()) > max) {
                s.append(i == 0 ? "" : ", ").append("+").append(factors.size() - i);
                break;
            }
            s.append(next);
        }
        return s.toString();
    }

    private static String cut(String s, int w) {
        if (s == null) {
            return "-";
        }
        return s.length() <= w ? s : s.substring(0, w - 1) + "~";
    }

    private String paint(Band band, String text) {
        if (!colour) {
            return text;
        }
        String code = switch (band) {
            case HIGH -> "\u001b[1;31m";
            case MEDIUM -> "\u001b[33m";
            case LOW -> "\u001b[32m";
        };
        return code + text + RESET;
    }
}
