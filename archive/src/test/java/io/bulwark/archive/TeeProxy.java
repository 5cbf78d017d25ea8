package io.bulwark.archive;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TCP relay in front of a real server that keeps a copy of every byte the client sent, so a test
 * can read the HTTP requests exactly as they went over the wire (request line and headers). Not a
 * fake server: every request is answered by the real one behind it.
 */
public final class TeeProxy implements AutoCloseable {
    /** One recorded request: method, path (with query), headers (names lower-cased). */
    public record Request(String method, String path, Map<String, String> headers) {}

    private final ServerSocket server;
    private final int target;
    private final List<ByteArrayOutputStream> streams = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    public TeeProxy(int targetPort) throws IOException {
        this.target = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "tee-proxy");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket c = server.accept();
                Socket s = new Socket(InetAddress.getLoopbackAddress(), target);
                ByteArrayOutputStream copy = new ByteArrayOutputStream();
                synchronized (this) {
                    streams.add(copy);
                    sockets.add(c);
                    sockets.add(s);
                }
                pump(c.getInputStream(), s.getOutputStream(), copy);
                pump(s.getInputStream(), c.getOutputStream(), null);
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pump(InputStream in, OutputStream out, ByteArrayOutputStream copy) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[1 << 16];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (copy != null) {
                        synchronized (copy) {
                            copy.write(buf, 0, n);
                        }
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // connection closed
            } finally {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }, "tee-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Every request sent so far, found by its request line at the start of a line followed by headers. */
    public synchronized List<Request> requests() {
        List<Request> out = new ArrayList<>();
        for (ByteArrayOutputStream s : streams) {
            String text;
            synchronized (s) {
                text = s.toString(StandardCharsets.ISO_8859_1);
            }
            int i = 0;
            while (true) {
                int at = find(text, i);
                if (at < 0) {
                    break;
                }
                int end = text.indexOf("\r\n\r\n", at);
                if (end < 0) {
                    break;
                }
                String[] lines = text.substring(at, end).split("\r\n");
                String[] rl = lines[0].split(" ");
                Map<String, String> h = new LinkedHashMap<>();
                for (int k = 1; k < lines.length; k++) {
                    int c = lines[k].indexOf(':');
                    if (c > 0) {
                        h.put(lines[k].substring(0, c).trim().toLowerCase(), lines[k].substring(c + 1).trim());
                    }
                }
                out.add(new Request(rl[0], rl.length > 1 ? rl[1] : "", h));
                i = end + 4;
            }
        }
        return out;
    }

    private static int find(String text, int from) {
        int best = -1;
        for (String m : new String[] {"GET /", "PUT /", "HEAD /", "POST /", "DELETE /"}) {
            int k = from;
            while ((k = text.indexOf(m, k)) >= 0) {
                if (k == 0 || text.charAt(k - 1) == '\n') {
                    if (text.indexOf(" HTTP/1.1\r\n", k) > 0 && text.indexOf(" HTTP/1.1\r\n", k) < text.indexOf("\r\n", k) + 1) {
                        break;
                    }
                }
                k++;
            }
            if (k >= 0 && (best < 0 || k < best)) {
                best = k;
            }
        }
        return best;
    }

    @Override
    public synchronized void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
