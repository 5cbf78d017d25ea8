package io.bulwark.functions.testing;

import com.adobe.testing.s3mock.S3MockApplication;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * S3Mock 4.7.0 (a real S3 protocol server, Spring Boot) on 127.0.0.1, random port, its own store
 * directory deleted at JVM exit. Its properties are passed in code: Quarkus's
 * application.properties would hide S3Mock's own (PLATFORM-NOTES). S3Mock honours
 * If-None-Match / If-Match on PutObject (ArchiveTest proves it). The SDK's default credential
 * chain gets dummy keys through system properties: S3Mock does not check signatures.
 */
public class S3MockResource implements QuarkusTestResourceLifecycleManager {
    public static final String BUCKET = "bulwark-test-archive";
    private static final String PORT_PROPERTY = "bulwark.test.s3mock.port";

    @Override
    public Map<String, String> start() {
        System.setProperty("aws.accessKeyId", "test-not-a-secret");
        System.setProperty("aws.secretAccessKey", "test-not-a-secret");
        return Map.of("bulwark.aws.s3-endpoint", "http://127.0.0.1:" + port(), "bulwark.audit.bucket", BUCKET);
    }

    /**
     * One S3Mock per test JVM: a second embedded Tomcat in the same JVM fails to start, and each
     * Quarkus restart (another test profile) may load this class again. The port is kept in a
     * system property; the server and its directory go at JVM exit.
     */
    @SuppressWarnings("removal") // getHttpPort(): S3Mock 4.7.0 is pinned
    private static synchronized int port() {
        String known = System.getProperty(PORT_PROPERTY);
        if (known != null) {
            return Integer.parseInt(known);
        }
        Path root;
        try {
            root = Files.createTempDirectory("bulwark-s3mock-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Object> props = new HashMap<>();
        props.put(S3MockApplication.PROP_HTTP_PORT, S3MockApplication.RANDOM_PORT);
        props.put(S3MockApplication.PROP_HTTPS_PORT, S3MockApplication.RANDOM_PORT);
        props.put(S3MockApplication.PROP_INITIAL_BUCKETS, BUCKET);
        props.put(S3MockApplication.PROP_ROOT_DIRECTORY, root.toString());
        props.put(S3MockApplication.PROP_SILENT, true);
        props.put("server.address", "127.0.0.1");
        props.put("spring.main.banner-mode", "off");
        // the rest of S3Mock's own application.properties (hidden by Quarkus's)
        props.put("com.adobe.testing.s3mock.region", "us-east-1");
        props.put("spring.jmx.enabled", false);
        props.put("server.tomcat.max-swallow-size", "10MB");
        props.put("management.endpoints.web.discovery.enabled", false);
        S3MockApplication app = S3MockApplication.start(props);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.stop();
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp directory left behind is not worth failing the suite for
            }
        }, "s3mock-stop"));
        System.setProperty(PORT_PROPERTY, String.valueOf(app.getHttpPort()));
        return app.getHttpPort();
    }

    @Override
    public void stop() {
        // the server outlives each Quarkus application: see port()
    }
}
