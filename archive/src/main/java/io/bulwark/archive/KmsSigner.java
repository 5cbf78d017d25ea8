package io.bulwark.archive;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.MessageType;
import software.amazon.awssdk.services.kms.model.SigningAlgorithmSpec;

/**
 * Signs with an asymmetric KMS key (key usage SIGN_VERIFY; ECC_NIST_P256 with ECDSA_SHA_256, or an
 * RSA key with RSASSA_PSS_SHA_256). KMS gets the SHA-256 digest (MessageType DIGEST, so manifests over
 * KMS's 4 KiB message limit sign too); the signature is the one Java's SHA256withECDSA / RSASSA-PSS
 * verify over the full bytes. The public key (GetPublicKey) is published in the archive so
 * verification needs no KMS access; {@link #verifyWithKms} asks KMS itself.
 */
public final class KmsSigner implements Signer {
    private final KmsClient kms;
    private final String kmsKey;
    private final String algorithm;
    private final String publicPem;
    private final String keyId;

    public KmsSigner(KmsClient kms, String kmsKey, String algorithm) {
        this.kms = kms;
        this.kmsKey = kmsKey;
        Keys.keyAlgorithm(algorithm);
        if ("Ed25519".equals(algorithm)) {
            throw new IllegalArgumentException("KMS signs with ECDSA_SHA_256 or RSASSA_PSS_SHA_256");
        }
        this.algorithm = algorithm;
        byte[] spki = kms.getPublicKey(b -> b.keyId(kmsKey)).publicKey().asByteArray();
        this.publicPem = Keys.pem("PUBLIC KEY", spki);
        this.keyId = Keys.keyId(spki);
    }

    @Override
    public String algorithm() {
        return algorithm;
    }

    @Override
    public String keyId() {
        return keyId;
    }

    @Override
    public String publicKeyPem() {
        return publicPem;
    }

    @Override
    public String kmsKey() {
        return kmsKey;
    }

    @Override
    public byte[] sign(byte[] data) {
        byte[] digest = Hashes.sha256().digest(data);
        return kms.sign(b -> b.keyId(kmsKey).message(SdkBytes.fromByteArray(digest)).messageType(MessageType.DIGEST)
                .signingAlgorithm(SigningAlgorithmSpec.fromValue(algorithm))).signature().asByteArray();
    }

    /** KMS's own Verify of {@code sig} over {@code data}. */
    public boolean verifyWithKms(byte[] data, byte[] sig) {
        byte[] digest = Hashes.sha256().digest(data);
        try {
            return kms.verify(b -> b.keyId(kmsKey).message(SdkBytes.fromByteArray(digest)).messageType(MessageType.DIGEST)
                    .signature(SdkBytes.fromByteArray(sig)).signingAlgorithm(SigningAlgorithmSpec.fromValue(algorithm))).signatureValid();
        } catch (software.amazon.awssdk.services.kms.model.KmsInvalidSignatureException e) {
            return false;
        }
    }
}
