package io.bulwark.sensor.alert;

import io.bulwark.contract.AlertDetail;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** Who this node is: hostname, EC2 instance id where the environment or DMI says so, kernel release. */
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
        return new AlertDetail.Node(host, instance, kernel);
    }
}
