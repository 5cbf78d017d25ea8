package io.bulwark.archive;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** PEM, key ids and signature checks for the three algorithms manifests may carry. */
public final class Keys {
    private Keys() {}

    public static String keyId(byte[] spki) {
        return Hashes.hex(spki).substring(0, 32);
    }

    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    public static byte[] der(String pem) {
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }

    static String keyAlgorithm(String signatureAlgorithm) {
        return switch (signatureAlgorithm) {
            case "Ed25519" -> "Ed25519";
            case "ECDSA_SHA_256" -> "EC";
            case "RSASSA_PSS_SHA_256" -> "RSA";
            default -> throw new IllegalArgumentException("unknown signature algorithm '" + signatureAlgorithm + "' (Ed25519, ECDSA_SHA_256, RSASSA_PSS_SHA_256)");
        };
    }

    public static PublicKey publicKey(String algorithm, String pem) throws GeneralSecurityException {
        return KeyFactory.getInstance(keyAlgorithm(algorithm)).generatePublic(new X509EncodedKeySpec(der(pem)));
    }

    static Signature signature(String algorithm) throws GeneralSecurityException {
        return switch (algorithm) {
            case "Ed25519" -> Signature.getInstance("Ed25519");
            case "ECDSA_SHA_256" -> Signature.getInstance("SHA256withECDSA");
            case "RSASSA_PSS_SHA_256" -> {
                Signature s = Signature.getInstance("RSASSA-PSS");
                s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
                yield s;
            }
            default -> throw new IllegalArgumentException("unknown signature algorithm '" + algorithm + "'");
        };
    }

    /** True when {@code sig} is {@code algorithm}'s signature of {@code data} under the PEM public key. */
    public static boolean verify(String algorithm, String publicKeyPem, byte[] data, byte[] sig) {
        try {
            Signature s = signature(algorithm);
            s.initVerify(publicKey(algorithm, publicKeyPem));
            s.update(data);
            return s.verify(sig);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
