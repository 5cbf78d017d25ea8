package io.bulwark.archive;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3Proxy on 127.0.0.1 over a filesystem directory (jclouds' filesystem backend, started as
 * io.bulwark.stack.LocalStack starts it), with a {@link TeeProxy} in front recording the requests.
 * ROOT/BUCKET/KEY is the object's bytes.
 */
public final class LocalS3 implements AutoCloseable {
    public static final String BUCKET = "bulwark-archive";
    public final Path root;
    public final TeeProxy tee;
    private final S3Proxy proxy;
    private final BlobStoreContext blobs;
    public final S3Client client;

    public LocalS3(Path root) throws Exception {
        this.root = root;
        Files.createDirectories(root);
        Properties props = new Properties();
        props.setProperty("jclouds.filesystem.basedir", root.toAbsolutePath().toString());
        blobs = ContextBuilder.newBuilder("filesystem").overrides(props).buildView(BlobStoreContext.class);
        blobs.getBlobStore().createContainerInLocation(null, BUCKET);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        proxy = S3Proxy.builder().blobStore(blobs.getBlobStore()).endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.NONE, null, null).ignoreUnknownHeaders(true).build();
        proxy.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start");
            }
            Thread.sleep(10);
        }
        tee = new TeeProxy(port);
        client = Aws.s3("us-east-1", URI.create("http://127.0.0.1:" + tee.port()), true);
    }

    public Path bucketDir() {
        return root.resolve(BUCKET);
    }

    @Override
    public void close() throws Exception {
        client.close();
        tee.close();
        proxy.stop();
        blobs.close();
    }
}
