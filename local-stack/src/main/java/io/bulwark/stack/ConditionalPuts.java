package io.bulwark.stack;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.shaded.org.eclipse.jetty.server.Request;
import org.gaul.shaded.org.eclipse.jetty.server.Server;
import org.gaul.shaded.org.eclipse.jetty.server.handler.HandlerWrapper;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.BlobMetadata;

/**
 * S3's conditional writes for the local S3 server. S3Proxy 2.6.0 ignores {@code If-None-Match} and
 * {@code If-Match} on PutObject: it overwrites (ConditionalPutsTest shows it). AWS S3 honours both,
 * atomically, and the archive relies on them: evidence is created with {@code If-None-Match: *} so it
 * is never overwritten, and the incident store changes an incident with {@code If-Match: <etag>}. This
 * handler sits in front of S3Proxy's own, in the same Jetty server, and gives its PUTs S3's
 * semantics: every PUT, GET and HEAD of a key runs under that key's lock (the local stack is one
 * process, so the lock is the atomicity S3 gives; a read never sees half a write); a conditional PUT first compares the stored ETag: 412
 * PreconditionFailed when {@code If-None-Match: *} finds the object or {@code If-Match} another ETag,
 * 404 NoSuchKey when {@code If-Match} finds none (as S3 answers). Multipart part uploads pass through.
 */
final class ConditionalPuts extends HandlerWrapper {
    private final BlobStore store;
    private final ReentrantLock[] locks = new ReentrantLock[256];

    private ConditionalPuts(BlobStore store) {
        this.store = store;
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    /** Puts the handler in front of the S3Proxy's own (before {@code start()}). */
    static void install(S3Proxy proxy, BlobStore store) {
        try {
            Field f = S3Proxy.class.getDeclaredField("server");
            f.setAccessible(true);
            ((Server) f.get(proxy)).insertHandler(new ConditionalPuts(store));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // pinned S3Proxy 2.6.0; a newer one may keep its server elsewhere (and may honour the headers itself)
            throw new IllegalStateException("cannot install conditional PUTs in S3Proxy (is it still 2.6.0?): " + e, e);
        }
    }

    @Override
    public void handle(String target, Request base, HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        String method = req.getMethod();
        boolean put = "PUT".equals(method);
        if (!(put || "GET".equals(method) || "HEAD".equals(method)) || req.getParameter("uploadId") != null) {
            super.handle(target, base, req, resp);
            return;
        }
        String path = URLDecoder.decode(req.getRequestURI(), StandardCharsets.UTF_8);
        String p = path.startsWith("/") ? path.substring(1) : path;
        int slash = p.indexOf('/');
        if (slash <= 0 || slash == p.length() - 1) {
            super.handle(target, base, req, resp); // a bucket, not an object
            return;
        }
        String bucket = p.substring(0, slash);
        String key = p.substring(slash + 1);
        ReentrantLock lock = locks[Math.floorMod((bucket + "/" + key).hashCode(), locks.length)];
        lock.lock();
        try {
            if (!put) {
                // a read under the key's lock too: S3Proxy answers a GET with the size it read before opening the
                // file, so a GET racing a PUT of the same key could send the new bytes cut to the old length
                super.handle(target, base, req, resp);
                return;
            }
            String ifNoneMatch = req.getHeader("If-None-Match");
            String ifMatch = req.getHeader("If-Match");
            if (ifNoneMatch != null || ifMatch != null) {
                BlobMetadata md = store.blobMetadata(bucket, key);
                if (ifNoneMatch != null && ifNoneMatch.trim().equals("*") && md != null) {
                    fail(base, resp, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "If-None-Match");
                    return;
                }
                if (ifMatch != null) {
                    if (md == null) {
                        fail(base, resp, 404, "NoSuchKey", "The specified key does not exist.", null);
                        return;
                    }
                    if (!unquote(ifMatch).equals(unquote(md.getETag()))) {
                        fail(base, resp, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "If-Match");
                        return;
                    }
                }
            }
            super.handle(target, base, req, resp);
        } finally {
            lock.unlock();
        }
    }

    private static String unquote(String etag) {
        String e = etag == null ? "" : etag.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        return e.replace("\"", "");
    }

    private static void fail(Request base, HttpServletResponse resp, int status, String code, String message, String condition) throws IOException {
        // the request body is not read: the client gets its answer and the connection is closed
        resp.setStatus(status);
        resp.setContentType("application/xml");
        resp.setHeader("Connection", "close");
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message + "</Message>"
                + (condition == null ? "" : "<Condition>" + condition + "</Condition>") + "<RequestId>local</RequestId></Error>";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
        base.setHandled(true);
    }
}
