package io.bulwark.archive;

/**
 * Signs manifest bytes. Every signer has a public key, published in the archive as
 * {@code keys/<key-id>.pub} (PEM, SubjectPublicKeyInfo) so `bulwark archive verify` checks
 * signatures without access to the private key or to KMS. The key id is the first 16 bytes of the
 * SHA-256 of the public key's DER encoding, in hex.
 */
public interface Signer {
    /** Ed25519, ECDSA_SHA_256 or RSASSA_PSS_SHA_256 (KMS's names). */
    String algorithm();

    String keyId();

    /** The public key, PEM. */
    String publicKeyPem();

    /** A KMS key ARN or id when the private key lives in KMS, else null. */
    default String kmsKey() {
        return null;
    }

    byte[] sign(byte[] data);
}
