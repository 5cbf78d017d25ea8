package io.bulwark.contract;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Deterministic event ids: the same facts give the same id, so a redelivered alert (the outbox
 * delivers at least once; a restarted sensor re-reads its ring) carries the id of the first
 * delivery and consumers dedupe on {@code detail.id}. EventBridge replaces the envelope's id, so
 * {@code detail.id} is the one to rely on.
 *
 * <p>The id is a UUID built from the first 16 bytes of SHA-256 over the parts (each followed by
 * a 0 byte), with the version nibble 8 (custom, RFC 9562) and the RFC variant.
 */
public final class StableId {
    private StableId() {}

    public static String of(Object... parts) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        for (Object p : parts) {
            sha.update(String.valueOf(p).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
        byte[] h = sha.digest();
        h[6] = (byte) ((h[6] & 0x0F) | 0x80);
        h[8] = (byte) ((h[8] & 0x3F) | 0x80);
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = (msb << 8) | (h[i] & 0xFF);
            lsb = (lsb << 8) | (h[8 + i] & 0xFF);
        }
        return new UUID(msb, lsb).toString();
    }
}
