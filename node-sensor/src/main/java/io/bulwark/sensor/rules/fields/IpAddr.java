package io.bulwark.sensor.rules.fields;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Address and network literals, parsed without any name lookup. */
public final class IpAddr {
    private IpAddr() {}

    /** The address bytes of an IPv4 or IPv6 literal (IPv4-mapped IPv6 becomes IPv4), or null. */
    public static byte[] parse(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.indexOf(':') >= 0) {
            // a ':' makes InetAddress treat it as an IPv6 literal: no DNS lookup happens
            try {
                return InetAddress.getByName(s).getAddress();
            } catch (UnknownHostException | SecurityException e) {
                return null;
            }
        }
        byte[] b = new byte[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part > 3) {
                    return null;
                }
                b[part++] = (byte) value;
                value = -1;
            } else if (c >= '0' && c <= '9') {
                value = value < 0 ? c - '0' : value * 10 + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        if (part != 4) {
            return null;
        }
        return b;
    }

    /** An address or CIDR network to compare addresses against. */
    public record Net(byte[] addr, int bits) {
        public static Net parse(String s) {
            int slash = s.indexOf('/');
            byte[] a = IpAddr.parse(slash < 0 ? s : s.substring(0, slash));
            if (a == null) {
                return null;
            }
            int bits = a.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(s.substring(slash + 1));
                } catch (NumberFormatException e) {
                    return null;
                }
                if (bits < 0 || bits > a.length * 8) {
                    return null;
                }
            }
            return new Net(a, bits);
        }

        public boolean contains(byte[] x) {
            if (x == null || x.length != addr.length) {
                return false;
            }
            int full = bits / 8;
            for (int k = 0; k < full; k++) {
                if (x[k] != addr[k]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (x[full] & mask) == (addr[full] & mask);
        }
    }
}
