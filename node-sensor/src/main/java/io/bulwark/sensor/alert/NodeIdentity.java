package io.bulwark.sensor.alert;

import io.bulwark.contract.AlertDetail;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** Who this node is: hostname, EC2 instance id where the environment or DMI says so, kernel release, container runtime versions ({@link RuntimeVersions}). */
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
        return new AlertDetail.Node(host, instance, kernel, runtimes.isEmpty() ? null : runtimes);
    }
}
