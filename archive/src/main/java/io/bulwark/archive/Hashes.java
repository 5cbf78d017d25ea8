package io.bulwark.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 in the forms the archive uses: lowercase hex in manifests, base64 in S3 checksum headers. */
public final class Hashes {
    private Hashes() {}

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public static String hex(byte[] data) {
        return HexFormat.of().formatHex(sha256().digest(data));
    }

    public static String file(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return stream(in, null);
        }
    }

    /** Reads {@code in} to the end; {@code progress} (may be null) gets the bytes read so far every 64 MiB. */
    public static String stream(InputStream in, java.util.function.LongConsumer progress) throws IOException {
        MessageDigest d = sha256();
        byte[] buf = new byte[1 << 16];
        long total = 0;
        long next = 64L << 20;
        for (int n; (n = in.read(buf)) > 0; ) {
            d.update(buf, 0, n);
            total += n;
            if (progress != null && total >= next) {
                progress.accept(total);
                next += 64L << 20;
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    public static String base64OfHex(String hex) {
        return java.util.Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    }

    public static String hexOfBase64(String b64) {
        return HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(b64));
    }
}
