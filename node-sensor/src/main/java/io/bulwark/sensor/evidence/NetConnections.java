package io.bulwark.sensor.evidence;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the kernel's socket tables of a network namespace ({@code /proc/PID/net/tcp}, {@code tcp6},
 * {@code udp}, {@code udp6}, {@code unix}) into addresses, ports and states.
 */
final class NetConnections {
    private static final String[] TCP_STATES = {"", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
        "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"};

    private NetConnections() {}

    /** One table (tcp, tcp6, udp, udp6) as the kernel formats it; the header line is skipped. */
    static List<Map<String, Object>> inet(String proto, String table) {
        List<Map<String, Object>> out = new ArrayList<>();
        String[] lines = table.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length < 10) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("proto", proto);
            m.put("local", endpoint(f[1]));
            m.put("remote", endpoint(f[2]));
            int st = Integer.parseInt(f[3], 16);
            m.put("state", proto.startsWith("tcp") ? (st < TCP_STATES.length ? TCP_STATES[st] : "0x" + f[3])
                    : st == 7 ? "UNCONN" : st == 1 ? "ESTABLISHED" : "0x" + f[3]);
            m.put("uid", Integer.parseInt(f[7]));
            m.put("inode", Long.parseLong(f[9]));
            out.add(m);
        }
        return out;
    }

    /** {@code 0100007F:1F90} (IPv4, each 32-bit word in host (little-endian) order) to {@code 127.0.0.1:8080}. */
    static String endpoint(String hex) {
        int colon = hex.indexOf(':');
        String addr = hex.substring(0, colon);
        int port = Integer.parseInt(hex.substring(colon + 1), 16);
        byte[] b = new byte[addr.length() / 2];
        for (int w = 0; w < b.length / 4; w++) {
            long word = Long.parseLong(addr.substring(w * 8, w * 8 + 8), 16);
            for (int k = 0; k < 4; k++) {
                b[w * 4 + k] = (byte) (word >>> (8 * k));
            }
        }
        try {
            String a = InetAddress.getByAddress(b).getHostAddress();
            return (b.length == 16 ? "[" + a + "]" : a) + ":" + port;
        } catch (UnknownHostException e) {
            return hex;
        }
    }

    /** {@code /proc/PID/net/unix}: path (or abstract name), type, state, inode. */
    static List<Map<String, Object>> unix(String table) {
        List<Map<String, Object>> out = new ArrayList<>();
        String[] lines = table.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+", 8);
            if (f.length < 7) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("proto", "unix");
            int type = Integer.parseInt(f[4], 16);
            m.put("type", type == 1 ? "STREAM" : type == 2 ? "DGRAM" : type == 5 ? "SEQPACKET" : "0x" + f[4]);
            int st = Integer.parseInt(f[5], 16);
            m.put("state", st == 1 ? "UNCONNECTED" : st == 3 ? "CONNECTED" : st == 2 ? "CONNECTING" : st == 4 ? "DISCONNECTING" : "0x" + f[5]);
            m.put("listening", (Integer.parseInt(f[3], 16) & 0x10000) != 0);
            m.put("inode", Long.parseLong(f[6]));
            m.put("path", f.length > 7 ? f[7] : null);
            out.add(m);
        }
        return out;
    }
}
