package io.bulwark.archive;

import software.amazon.awssdk.core.SdkBytes;
import java.util.List;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.GetPublicKeyResponse;
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

    /** The key's own algorithm: ECDSA_SHA_256 for an ECC_NIST_P256 key, RSASSA_PSS_SHA_256 for an RSA key. */
    public KmsSigner(KmsClient kms, String kmsKey) {
        this(kms, kmsKey, null);
    }

    /** {@code algorithm} null: the key's own (see above); else it must be one the key signs with. */
    public KmsSigner(KmsClient kms, String kmsKey, String algorithm) {
        this.kms = kms;
        this.kmsKey = kmsKey;
        GetPublicKeyResponse pub = kms.getPublicKey(b -> b.keyId(kmsKey));
        List<String> offered = pub.signingAlgorithmsAsStrings() == null ? List.of() : pub.signingAlgorithmsAsStrings();
        if (algorithm == null) {
            algorithm = offered.contains("ECDSA_SHA_256") ? "ECDSA_SHA_256" : offered.contains("RSASSA_PSS_SHA_256") ? "RSASSA_PSS_SHA_256" : null;
            if (algorithm == null) {
                throw new IllegalArgumentException("KMS key " + kmsKey + " (" + pub.keySpecAsString() + ", usage " + pub.keyUsageAsString() + ") signs with "
                        + offered + ": give an ECC_NIST_P256 or RSA SIGN_VERIFY key (ECDSA_SHA_256 or RSASSA_PSS_SHA_256)");
            }
        }
        Keys.keyAlgorithm(algorithm);
        if ("Ed25519".equals(algorithm)) {
            throw new IllegalArgumentException("KMS signs with ECDSA_SHA_256 or RSASSA_PSS_SHA_256");
        }
        if (!offered.isEmpty() && !offered.contains(algorithm)) {
            throw new IllegalArgumentException("KMS key " + kmsKey + " (" + pub.keySpecAsString() + ") does not sign with " + algorithm + "; it offers " + offered);
        }
        this.algorithm = algorithm;
        byte[] spki = pub.publicKey().asByteArray();
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
