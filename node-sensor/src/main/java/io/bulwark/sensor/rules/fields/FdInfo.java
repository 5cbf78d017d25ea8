package io.bulwark.sensor.rules.fields;

/**
 * Falco's view of the file descriptor an event is about, derived from the syscall arguments (see
 * docs/fields.md, "fd.*"). Events without a descriptor get {@link #NONE}: every fd field is absent.
 */
final class FdInfo {
    static final FdInfo NONE = new FdInfo(null, null, null, null, null, null, null, null, false);

    /** Falco fd.type: file, directory, ipv4, ipv6, unix, pipe, memfd …; UNKNOWN when only "socket" is known. */
    final Object type;
    final Object name;
    final Object nameraw;
    final Object num;
    /** Remote (server) side of an outgoing connection. */
    final String addr;
    final Object port;
    final Object l4proto;
    final String family;
    final boolean socket;

    private FdInfo(Object type, Object name, Object nameraw, Object num, String addr, Object port, Object l4proto,
                   String family, boolean socket) {
        this.type = type;
        this.name = name;
        this.nameraw = nameraw;
        this.num = num;
        this.addr = addr;
        this.port = port;
        this.l4proto = l4proto;
        this.family = family;
        this.socket = socket;
    }

    boolean isFile() {
        return "file".equals(type) || "directory".equals(type);
    }

    boolean isInet() {
        return "ipv4".equals(type) || "ipv6".equals(type);
    }

    static FdInfo of(EventView ev) {
        String t = ev.type();
        switch (t) {
            case "open", "openat", "openat2", "creat", "open_by_handle_at" -> {
                return file(ev, ev.sc.result());
            }
            case "io_uring_submit" -> {
                String opcode = ev.argText("opcode");
                if ("OPENAT".equals(opcode) || "OPENAT2".equals(opcode)) {
                    return file(ev, ev.sc.result());
                }
                if ("CONNECT".equals(opcode)) {
                    return connect(ev, ev.arg("fd"));
                }
                return NONE;
            }
            case "connect" -> {
                return connect(ev, ev.arg("fd"));
            }
            case "socket" -> {
                String domain = ev.argText("domain");
                Object type = familyType(domain);
                return new FdInfo(type, null, null, ev.sc.result() >= 0 ? ev.sc.result() : -1L, null, null,
                        l4(ev.argText("type"), ev.argText("protocol"), type), domain, true);
            }
            case "dup", "dup2", "dup3" -> {
                String ot = ev.argText("oldfd_type");
                Object type = ot == null ? Values.UNKNOWN : switch (ot) {
                    case "socket" -> Values.UNKNOWN; // Falco would know ipv4/ipv6/unix; the sensor only says socket
                    default -> ot;
                };
                Object num = Values.number(ev.arg("oldfd"));
                return new FdInfo(type, Values.UNKNOWN, Values.UNKNOWN, num == null ? Values.UNKNOWN : num, null,
                        null, Values.UNKNOWN, null, "socket".equals(ot) || type == Values.UNKNOWN);
            }
            case "memfd_create" -> {
                String n = ev.argText("name");
                return new FdInfo("memfd", n == null ? null : "memfd:" + n, n, ev.sc.result() >= 0 ? ev.sc.result() : -1L,
                        null, null, null, null, false);
            }
            default -> {
                return NONE;
            }
        }
    }

    private static FdInfo file(EventView ev, long result) {
        String name = ev.argText("name");
        String path = ev.argText("path");
        if (name == null) {
            name = path;
        }
        String flags = ev.argText("flags");
        String type = flags != null && flags.contains("O_DIRECTORY") ? "directory" : "file";
        return new FdInfo(type, name, path != null ? path : name, result >= 0 ? result : -1L, null, null, null, null, false);
    }

    private static FdInfo connect(EventView ev, Object fdArg) {
        String family = ev.argText("family");
        Object type = familyType(family);
        Object num = Values.number(fdArg);
        if (num == null) {
            num = Values.UNKNOWN;
        }
        if ("unix".equals(type)) {
            return new FdInfo(type, ev.argText("path"), ev.argText("path"), num, null, null, null, family, true);
        }
        String addr = ev.argText("addr");
        Object port = Values.number(ev.arg("port"));
        String name = null;
        if (addr != null) {
            String a = "ipv6".equals(type) && addr.indexOf(':') >= 0 ? "[" + addr + "]" : addr;
            name = port == null ? a : a + ":" + port;
        }
        return new FdInfo(type, name, name, num, addr, port, l4(ev.argText("type"), ev.argText("protocol"), type), family, true);
    }

    private static Object familyType(String family) {
        if (family == null) {
            return Values.UNKNOWN;
        }
        return switch (family) {
            case "AF_INET" -> "ipv4";
            case "AF_INET6" -> "ipv6";
            case "AF_UNIX", "AF_LOCAL" -> "unix";
            case "AF_NETLINK" -> "netlink";
            default -> Values.UNKNOWN;
        };
    }

    private static Object l4(String sockType, String protocol, Object type) {
        if (!"ipv4".equals(type) && !"ipv6".equals(type)) {
            return null;
        }
        if (protocol != null) {
            if (protocol.contains("TCP")) {
                return "tcp";
            }
            if (protocol.contains("UDP")) {
                return "udp";
            }
            if (protocol.contains("ICMP")) {
                return "icmp";
            }
        }
        if (sockType != null) {
            if (sockType.contains("SOCK_STREAM")) {
                return "tcp";
            }
            if (sockType.contains("SOCK_DGRAM")) {
                return "udp";
            }
            if (sockType.contains("SOCK_RAW")) {
                return "raw";
            }
        }
        return Values.UNKNOWN;
    }
}
