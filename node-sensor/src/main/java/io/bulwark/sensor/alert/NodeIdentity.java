package io.bulwark.sensor.alert;

import io.bulwark.contract.AlertDetail;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who this node is: hostname, EC2 instance id where the environment or DMI says so, kernel release, container runtime
 * versions ({@link RuntimeVersions}), and the key of its command queue when that is not the hostname
 * ({@code BULWARK_COMMAND_KEY}: under EKS Pod Identity the DaemonSet sets it to the sensor pod's name, the only
 * {@code <prefix>-node-<key>} queue the pod's role may read, so respond sends the node's commands there).
 */
public final class NodeIdentity {
    private NodeIdentity() {}

    public static AlertDetail.Node detect() {
        String host = System.getenv("NODE_NAME");
        if (host == null || host.isBlank()) {
            try {
                host = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            } catch (IOException e) {
                try {
                    host = InetAddress.getLocalHost().getHostName();
                } catch (IOException e2) {
                    host = "unknown";
                }
            }
        }
        String instance = System.getenv("BULWARK_INSTANCE_ID");
        if (instance == null) {
            try {
                String boardAsset = Files.readString(Path.of("/sys/devices/virtual/dmi/id/board_asset_tag")).trim();
                instance = boardAsset.startsWith("i-") ? boardAsset : null;
            } catch (IOException e) {
                instance = null;
            }
        }
        String kernel;
        try {
            kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            kernel = System.getProperty("os.version");
        }
        // the first call starts the runtime detection (a thread of its own); what it knows already goes in,
        // and AlertFactory adds the versions to each alert as they become known or change
        java.util.Map<String, String> runtimes = RuntimeVersions.shared().current();
        return new AlertDetail.Node(host, instance, kernel, runtimes.isEmpty() ? null : runtimes,
                commandKey(System.getenv("BULWARK_COMMAND_KEY"), host));
    }

    /**
     * The command queue key from {@code BULWARK_COMMAND_KEY}: null when unset, blank, equal to the hostname (the
     * default key), or a Kubernetes reference left unexpanded ({@code $(BULWARK_POD_NAME)} when the variable it
     * names is missing), so a misconfigured pod falls back to the hostname rather than naming a queue nobody reads.
     */
    static String commandKey(String env, String host) {
        if (env == null) return null;
        String key = env.trim();
        if (key.isEmpty() || key.equals(host) || key.contains("$(")) return null;
        return key;
    }
}
