package io.bulwark.sensor.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.ContainerInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The security-relevant part of a container's configuration, read either from an OCI
 * {@code config.json} (the bundle every runtime writes) or, when the bundle is gone, from the
 * libcontainer config embedded in runc's {@code state.json}.
 *
 * @param namespaces   namespace type ({@code pid}, {@code network}, {@code ipc}, {@code uts},
 *                     {@code mount}, {@code user}, {@code cgroup}, {@code time}) to the path it joins,
 *                     "" when the container gets a new one; a type absent here is shared with the runtime's
 * @param capabilities effective capabilities of the process
 * @param devices      device nodes and device-cgroup rules worth reporting (see {@link #devices})
 * @param allDevices   the device cgroup lets the container read and write every device
 * @param uid          the process uid, -1 when the config does not say
 * @param cwd          the process working directory ({@code process.cwd}), null when the config does not say
 */
record OciConfig(Map<String, String> namespaces, List<String> capabilities, List<ContainerInfo.Mount> mounts,
                 List<String> maskedPaths, List<String> readonlyPaths, List<String> devices, boolean allDevices,
                 boolean seccomp, String apparmorProfile, String selinuxLabel, boolean noNewPrivileges, int uid,
                 Map<String, String> annotations, String rootfs, String cgroupsPath, String hostname,
                 String cwd) {

    /** Char devices every runtime gives a container (null, zero, full, random, urandom, tty, console, ptmx,
     *  pts, tun, fuse): allowed without being worth a finding. */
    private static final Set<String> ORDINARY_CHAR = Set.of("1:3", "1:5", "1:7", "1:8", "1:9", "5:0", "5:1", "5:2",
            "136:*", "10:200", "10:229");

    /** Parses an OCI runtime-spec config.json. */
    static OciConfig fromOci(JsonNode spec) {
        JsonNode linux = spec.path("linux");
        JsonNode process = spec.path("process");

        Map<String, String> ns = new LinkedHashMap<>();
        for (JsonNode n : linux.path("namespaces")) {
            ns.put(n.path("type").asText(), n.path("path").asText(""));
        }

        List<ContainerInfo.Mount> mounts = new ArrayList<>();
        for (JsonNode m : spec.path("mounts")) {
            mounts.add(new ContainerInfo.Mount(text(m, "source"), text(m, "destination"), text(m, "type"),
                    strings(m.path("options"))));
        }

        List<String> devices = new ArrayList<>();
        for (JsonNode d : linux.path("devices")) {
            devices.add(d.path("path").asText() + " " + d.path("type").asText() + " "
                    + d.path("major").asText("*") + ":" + d.path("minor").asText("*"));
        }
        boolean all = false;
        for (JsonNode r : linux.path("resources").path("devices")) {
            String type = r.path("type").asText("a");
            String major = r.hasNonNull("major") && r.path("major").asLong() >= 0 ? r.path("major").asText() : "*";
            String minor = r.hasNonNull("minor") && r.path("minor").asLong() >= 0 ? r.path("minor").asText() : "*";
            String access = r.path("access").asText("rwm");
            boolean allow = r.path("allow").asBoolean(false);
            all = applyRule(all, allow, type, major, minor, access, devices);
        }

        JsonNode seccomp = linux.path("seccomp");
        return new OciConfig(ns, strings(process.path("capabilities").path("effective")), mounts,
                strings(linux.path("maskedPaths")), strings(linux.path("readonlyPaths")), devices, all,
                seccomp.isObject() && !seccomp.isEmpty(),
                emptyToNull(text(process, "apparmorProfile")), emptyToNull(text(process, "selinuxLabel")),
                process.path("noNewPrivileges").asBoolean(false),
                process.path("user").has("uid") ? process.path("user").path("uid").asInt() : -1,
                stringMap(spec.path("annotations")), text(spec.path("root"), "path"),
                emptyToNull(text(linux, "cgroupsPath")), text(spec, "hostname"), emptyToNull(text(process, "cwd")));
    }

    private static final long MS_RDONLY = 1;
    private static final long MS_BIND = 4096;
    private static final long MS_REC = 16384;

    /** Parses the libcontainer config inside runc's state.json (used when the bundle is gone). */
    static OciConfig fromLibcontainer(JsonNode config) {
        Map<String, String> ns = new LinkedHashMap<>();
        for (JsonNode n : config.path("namespaces")) {
            ns.put(ociNamespace(n.path("type").asText()), n.path("path").asText(""));
        }
        List<ContainerInfo.Mount> mounts = new ArrayList<>();
        for (JsonNode m : config.path("mounts")) {
            long flags = m.path("flags").asLong();
            List<String> options = new ArrayList<>();
            boolean bind = (flags & MS_BIND) != 0;
            if (bind) {
                options.add((flags & MS_REC) != 0 ? "rbind" : "bind");
            }
            options.add((flags & MS_RDONLY) != 0 ? "ro" : "rw");
            mounts.add(new ContainerInfo.Mount(text(m, "source"), text(m, "destination"),
                    bind ? "bind" : text(m, "device"), options));
        }
        List<String> devices = new ArrayList<>();
        for (JsonNode d : config.path("devices")) {
            devices.add(d.path("path").asText() + " " + (char) d.path("type").asInt('c') + " "
                    + wildcard(d.path("major").asLong()) + ":" + wildcard(d.path("minor").asLong()));
        }
        boolean all = false;
        for (JsonNode r : config.path("cgroups").path("devices")) {
            all = applyRule(all, r.path("allow").asBoolean(false), String.valueOf((char) r.path("type").asInt('a')),
                    wildcard(r.path("major").asLong()), wildcard(r.path("minor").asLong()),
                    r.path("permissions").asText(""), devices);
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        for (JsonNode l : config.path("labels")) {
            String label = l.asText();
            int eq = label.indexOf('=');
            if (eq > 0 && !label.startsWith("bundle=")) {
                annotations.put(label.substring(0, eq), label.substring(eq + 1));
            }
        }
        JsonNode seccomp = config.path("seccomp");
        JsonNode cgroups = config.path("cgroups");
        String cgroupsPath = emptyToNull(text(cgroups, "path"));
        return new OciConfig(ns, strings(config.path("capabilities").path("Effective")), mounts,
                strings(config.path("mask_paths")), strings(config.path("readonly_paths")), devices, all,
                seccomp.isObject() && !seccomp.isEmpty(), emptyToNull(text(config, "apparmor_profile")),
                emptyToNull(text(config, "process_label")), config.path("no_new_privileges").asBoolean(false), -1,
                annotations, text(config, "rootfs"), cgroupsPath, text(config, "hostname"), null);
    }

    /** The bundle directory recorded in a libcontainer config's labels ({@code bundle=/path}). */
    static String bundleLabel(JsonNode config) {
        for (JsonNode l : config.path("labels")) {
            if (l.asText().startsWith("bundle=")) {
                return l.asText().substring("bundle=".length());
            }
        }
        return null;
    }

    /**
     * Folds one device-cgroup rule into the "all devices allowed" state and records allow rules
     * that grant read or write on something beyond the ordinary char devices, as
     * {@code "allow b 8:* rw"}.
     */
    private static boolean applyRule(boolean all, boolean allow, String type, String major, String minor,
                                     String access, List<String> devices) {
        boolean rw = access.contains("r") || access.contains("w");
        boolean wildcard = "a".equals(type) && "*".equals(major) && "*".equals(minor);
        if (wildcard) {
            all = allow && access.contains("r") && access.contains("w");
        }
        if (allow && rw && !("c".equals(type) && ORDINARY_CHAR.contains(major + ":" + minor))) {
            devices.add("allow " + type + " " + major + ":" + minor + " " + access);
        }
        return all;
    }

    private static String wildcard(long n) {
        return n < 0 ? "*" : Long.toString(n);
    }

    private static String ociNamespace(String libcontainer) {
        return switch (libcontainer) {
            case "NEWPID" -> "pid";
            case "NEWNET" -> "network";
            case "NEWIPC" -> "ipc";
            case "NEWUTS" -> "uts";
            case "NEWNS" -> "mount";
            case "NEWUSER" -> "user";
            case "NEWCGROUP" -> "cgroup";
            case "NEWTIME" -> "time";
            default -> libcontainer.toLowerCase();
        };
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.asText());
        }
        return out;
    }

    static Map<String, String> stringMap(JsonNode object) {
        Map<String, String> out = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
